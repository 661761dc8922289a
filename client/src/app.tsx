// The route table (sign-in, register, chats, settings, admin) under one Router.
import { Route, Router } from '@solidjs/router'
import { SignedInArea, SignedOutArea } from './guards.tsx'
import { AdminRoutes } from './screens/admin/admin-routes.tsx'
import { ChatsScreen } from './screens/chats/chats-screen.tsx'
import { NotFoundScreen } from './screens/not-found-screen.tsx'
import { SettingsScreen } from './screens/settings/settings-screen.tsx'
import { RegisterScreen } from './screens/sign-in/register-screen.tsx'
import { SignInScreen } from './screens/sign-in/sign-in-screen.tsx'

export function App() {
  return (
    <Router>
      <Route component={SignedOutArea}>
        <Route path="/signin" component={SignInScreen} />
        <Route path="/register" component={RegisterScreen} />
      </Route>
      <Route component={SignedInArea}>
        <Route path={['/', '/c/:peerId']} component={ChatsScreen} />
        <Route path="/settings" component={SettingsScreen} />
        <AdminRoutes />
      </Route>
      <Route path="*404" component={NotFoundScreen} />
    </Router>
  )
}
