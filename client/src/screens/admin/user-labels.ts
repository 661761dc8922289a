// Short words for a user's role and state, the same in the list and on the detail page.
import type { AdminUser } from '../../admin/admin-api.ts'

export function roleLabel(user: Pick<AdminUser, 'isStaff' | 'isSuperuser'>): string {
  if (user.isSuperuser) return 'Superuser'
  return user.isStaff ? 'Staff' : 'Member'
}

/** A deleted account's row stays with the email `deleted:<id>`, never a valid address. */
export function statusLabel(user: Pick<AdminUser, 'isActive' | 'email'>): string {
  if (user.email.startsWith('deleted:')) return 'Deleted'
  return user.isActive ? 'Active' : 'Deactivated'
}

export function fullName(user: Pick<AdminUser, 'firstName' | 'lastName'>): string {
  return [user.firstName, user.lastName].filter((part) => part.length > 0).join(' ')
}
