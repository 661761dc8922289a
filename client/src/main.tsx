// Client entry: styles, the first session check, then the app.
import { render } from 'solid-js/web'
import { App } from './app.tsx'
import { loadSession } from './session.ts'
import './styles.css'

const root = document.getElementById('root')
if (!root) throw new Error('index.html has no #root element')

void loadSession()
render(() => <App />, root)
