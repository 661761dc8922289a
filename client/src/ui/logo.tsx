// The Parley mark, drawn inline so it follows the colour scheme.
export function Logo(props: { size?: number }) {
  const size = () => props.size ?? 28
  return (
    <svg class="logo" width={size()} height={size()} viewBox="0 0 64 64" aria-hidden="true">
      <rect width="64" height="64" rx="16" class="logo-tile" />
      <path
        class="logo-bubble"
        d="M21 16h22a8 8 0 0 1 8 8v10a8 8 0 0 1-8 8H31l-9 7v-7h-1a8 8 0 0 1-8-8V24a8 8 0 0 1 8-8z"
      />
      <circle cx="24" cy="29" r="3" class="logo-tile" />
      <circle cx="32" cy="29" r="3" class="logo-tile" />
      <circle cx="40" cy="29" r="3" class="logo-tile" />
    </svg>
  )
}
