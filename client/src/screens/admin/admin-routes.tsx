// The /admin routes, for app.tsx to mount under the signed-in area. The screens load on
// first visit, so people who are not staff never download them.
import { Navigate, Route } from '@solidjs/router'
import { lazy } from 'solid-js'

const AdminArea = lazy(() => import('./admin-area.tsx').then((m) => ({ default: m.AdminArea })))
const UsersScreen = lazy(() => import('./users-screen.tsx').then((m) => ({ default: m.UsersScreen })))
const UserScreen = lazy(() => import('./user-screen.tsx').then((m) => ({ default: m.UserScreen })))
const ConversationsScreen = lazy(() =>
  import('./conversations-screen.tsx').then((m) => ({ default: m.ConversationsScreen })),
)
const ConversationScreen = lazy(() =>
  import('./conversation-screen.tsx').then((m) => ({ default: m.ConversationScreen })),
)
const ActivityScreen = lazy(() => import('./activity-screen.tsx').then((m) => ({ default: m.ActivityScreen })))
const KeysScreen = lazy(() => import('./keys-screen.tsx').then((m) => ({ default: m.KeysScreen })))
const UsageScreen = lazy(() => import('./usage-screen.tsx').then((m) => ({ default: m.UsageScreen })))
const AuditScreen = lazy(() => import('./audit-screen.tsx').then((m) => ({ default: m.AuditScreen })))
const AdminNotFound = lazy(() => import('./admin-not-found.tsx').then((m) => ({ default: m.AdminNotFound })))

export function AdminRoutes() {
  return (
    <Route path="/admin" component={AdminArea}>
      <Route path="/" component={() => <Navigate href="/admin/users" />} />
      <Route path="/users" component={UsersScreen} />
      <Route path="/users/:id" component={UserScreen} />
      <Route path="/conversations" component={ConversationsScreen} />
      <Route path="/conversations/:roomId" component={ConversationScreen} />
      <Route path="/activity" component={ActivityScreen} />
      <Route path="/audit" component={AuditScreen} />
      <Route path="/keys" component={KeysScreen} />
      <Route path="/usage" component={UsageScreen} />
      <Route path="*rest" component={AdminNotFound} />
    </Route>
  )
}
