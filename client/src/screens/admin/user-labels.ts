// Short words for a user's role and state, the same in the list and on the detail page.
import type { AdminUser } from '../../admin/admin-api.ts'

export function roleLabel(user: Pick<AdminUser, 'isStaff' | 'isSuperuser'>): string {
  if (user.isSuperuser) return 'Superuser'
  return user.isStaff ? 'Staff' : 'Member'
}

export function statusLabel(user: Pick<AdminUser, 'isActive' | 'deletedAt'>): string {
  if (user.deletedAt) return 'Deleted'
  return user.isActive ? 'Active' : 'Deactivated'
}

export function fullName(user: Pick<AdminUser, 'firstName' | 'lastName'>): string {
  return [user.firstName, user.lastName].filter((part) => part.length > 0).join(' ')
}
