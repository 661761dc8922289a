// Client entry: styles, the first session check, the service worker, then the app.
import { render } from 'solid-js/web'
import { App } from './app.tsx'
import { registerServiceWorker } from './notifications/service-worker.ts'
import { loadSession } from './session.ts'
import './styles.css'

const root = document.getElementById('root')
if (!root) throw new Error('index.html has no #root element')

void loadSession()
// Every visit: it caches the app shell, so the next load works without a network.
void registerServiceWorker()
render(() => <App />, root)
