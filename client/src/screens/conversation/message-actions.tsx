// What can be done with a message: the small toolbar that hover shows beside a bubble, and
// the action menu (react, reply, edit, copy, delete) that the toolbar, Enter on a focused
// message or a long press opens. The menu follows the ARIA menu pattern: arrow keys, Home and
// End move, Escape closes and gives focus back to the message, Tab leaves.
import { createSignal, createUniqueId, For, onCleanup, onMount, Show } from 'solid-js'
import { emojiProblem, QUICK_REACTIONS } from '../../../../protocol/frames.ts'
import type { ChatMessage } from '../../chat/conversation-store.ts'
import { canDelete, canEdit, canReact, canReply, hasReacted, type ShownMessage } from '../../chat/message-changes.ts'

export type MenuView = 'menu' | 'emoji'

/** An open menu: for which message, next to what, and where focus goes when it closes. */
export interface MenuTarget {
  key: string
  anchor: HTMLElement
  returnFocus: HTMLElement | null
  view: MenuView
}

export interface MessageActionHandlers {
  react: (emoji: string, on: boolean) => void
  reply: () => void
  edit: () => void
  delete: () => void
}

/** Whether a message offers any action at all (a pending one offers none). */
export const hasActions = (m: ChatMessage) => m.seq !== null && !m.deletedAt

const coarse = () => window.matchMedia('(pointer: coarse)').matches
const MENU_GAP_PX = 6
const EDGE_PX = 8

function ReplyIcon() {
  return (
    <svg viewBox="0 0 20 20" width="18" height="18" aria-hidden="true">
      <path
        d="M8 5L3 10l5 5M3.5 10H12a5 5 0 015 5v1"
        fill="none"
        stroke="currentColor"
        stroke-width="1.75"
        stroke-linecap="round"
        stroke-linejoin="round"
      />
    </svg>
  )
}

/**
 * Shown while the pointer is over the message or focus is in it. Its buttons stay out of the
 * Tab order: keyboard users open the same actions with Enter on the message.
 */
/** Without `onReply` (a blocked conversation takes no replies) the reply button is left out. */
export function MessageToolbar(props: { onReply?: (() => void) | undefined; onMenu: (anchor: HTMLElement) => void }) {
  return (
    <div class="msg-tools">
      <Show when={props.onReply}>
        {(reply) => (
          <button type="button" class="msg-tool" tabindex="-1" title="Reply" onClick={() => reply()()}>
            <ReplyIcon />
            <span class="visually-hidden">Reply</span>
          </button>
        )}
      </Show>
      <button
        type="button"
        class="msg-tool"
        tabindex="-1"
        title="More actions"
        aria-haspopup="menu"
        onClick={(event) => props.onMenu(event.currentTarget)}
      >
        <svg viewBox="0 0 20 20" width="18" height="18" aria-hidden="true">
          <circle cx="4.5" cy="10" r="1.6" fill="currentColor" />
          <circle cx="10" cy="10" r="1.6" fill="currentColor" />
          <circle cx="15.5" cy="10" r="1.6" fill="currentColor" />
        </svg>
        <span class="visually-hidden">Actions for this message</span>
      </button>
    </div>
  )
}

export interface ActionMenuProps {
  target: MenuTarget
  message: ChatMessage
  shown: ShownMessage
  me: string
  mine: boolean
  editWindowMs: number
  handlers: MessageActionHandlers
  /** Either member blocked the other (CONTRACT.md: Blocking): only what changes nothing, and deleting, is offered. */
  locked?: boolean
  /** `restoreFocus`: give focus back to the message (Escape, a choice made), not when the person clicked elsewhere. */
  onClose: (restoreFocus: boolean) => void
}

export function ActionMenu(props: ActionMenuProps) {
  const id = `actions-${createUniqueId()}`
  const [view, setView] = createSignal<MenuView>(props.target.view)
  let box: HTMLDivElement | undefined
  const facts = () => ({ ...props.message, ...props.shown })
  const copyable = () => !props.shown.deletedAt && !props.message.unreadable && props.shown.body !== ''

  function place(): void {
    if (!box) return
    if (!props.target.anchor.isConnected) {
      // The message left the window of rendered rows (scrolled far away).
      props.onClose(false)
      return
    }
    if (coarse()) {
      // On a phone the menu is a sheet at the bottom, within reach of the thumb.
      box.classList.add('menu-sheet')
      return
    }
    const a = props.target.anchor.getBoundingClientRect()
    const w = box.offsetWidth
    const h = box.offsetHeight
    const below = a.bottom + MENU_GAP_PX
    const top = below + h <= window.innerHeight - EDGE_PX ? below : Math.max(EDGE_PX, a.top - MENU_GAP_PX - h)
    const left = props.mine ? a.right - w : a.left
    // CSSOM writes: the CSP refuses style attributes in markup, not these.
    box.style.top = `${Math.round(top)}px`
    box.style.left = `${Math.round(Math.min(Math.max(EDGE_PX, left), window.innerWidth - w - EDGE_PX))}px`
  }

  function items(): HTMLElement[] {
    return box ? [...box.querySelectorAll<HTMLElement>('[role^="menuitem"]')] : []
  }

  function focusItem(index: number): void {
    const list = items()
    if (list.length === 0) return
    const i = (index + list.length) % list.length
    for (const [n, el] of list.entries()) el.tabIndex = n === i ? 0 : -1
    list[i]!.focus()
  }

  /** Escape and Tab, in the menu and in the emoji form: true when handled. */
  function onLeaveKey(event: KeyboardEvent): boolean {
    if (event.key !== 'Escape' && event.key !== 'Tab') return false
    event.preventDefault()
    event.stopPropagation()
    if (event.key === 'Escape' && view() === 'emoji' && props.target.view === 'menu') showMenu()
    else props.onClose(true)
    return true
  }

  function onMenuKeyDown(event: KeyboardEvent): void {
    if (onLeaveKey(event)) return
    const list = items()
    const at = list.indexOf(document.activeElement as HTMLElement)
    const moves: Record<string, number> = {
      ArrowDown: at + 1,
      ArrowRight: at + 1,
      ArrowUp: at - 1,
      ArrowLeft: at - 1,
      Home: 0,
      End: list.length - 1,
    }
    const next = moves[event.key]
    if (next === undefined) return
    event.preventDefault()
    focusItem(next)
  }

  function showMenu(): void {
    setView('menu')
    place()
    focusItem(0)
  }

  /** Closes the menu (focus back on the message), then acts: the action may move focus on (editor, composer, dialog). */
  function choose(action: () => void): void {
    props.onClose(true)
    action()
  }

  const onOutside = (event: PointerEvent) => {
    if (box && !box.contains(event.target as Node)) props.onClose(false)
  }

  onMount(() => {
    place()
    if (view() === 'menu') focusItem(0)
    else box?.querySelector('input')?.focus()
    document.addEventListener('pointerdown', onOutside, true)
    window.addEventListener('scroll', place, true)
    window.addEventListener('resize', place)
  })
  onCleanup(() => {
    document.removeEventListener('pointerdown', onOutside, true)
    window.removeEventListener('scroll', place, true)
    window.removeEventListener('resize', place)
  })

  return (
    <div ref={box} class="menu">
      <Show
        when={view() === 'menu'}
        fallback={
          <EmojiForm
            id={id}
            onKeyDown={onLeaveKey}
            onReact={(e) => {
              const { react } = props.handlers
              choose(() => react(e, true))
            }}
            onBack={props.target.view === 'menu' ? showMenu : undefined}
          />
        }
      >
        <div role="menu" aria-label="Message actions" aria-orientation="vertical" onKeyDown={onMenuKeyDown}>
          <Show when={!props.locked && canReact(facts())}>
            <fieldset class="menu-reactions" aria-label="React">
              <For each={QUICK_REACTIONS}>
                {(emoji) => {
                  const on = () => hasReacted(props.shown, emoji, props.me)
                  return (
                    <button
                      type="button"
                      role="menuitemcheckbox"
                      class="menu-emoji"
                      tabindex="-1"
                      aria-checked={on() ? 'true' : 'false'}
                      aria-label={`React with ${emoji}`}
                      onClick={() => {
                        const { react } = props.handlers
                        const wanted = !on()
                        choose(() => react(emoji, wanted))
                      }}
                    >
                      {emoji}
                    </button>
                  )
                }}
              </For>
              <button
                type="button"
                role="menuitem"
                class="menu-emoji menu-emoji-other"
                tabindex="-1"
                aria-label="React with another emoji"
                title="Another emoji"
                onClick={() => {
                  setView('emoji')
                  place()
                  box?.querySelector('input')?.focus()
                }}
              >
                <span aria-hidden="true">+</span>
              </button>
            </fieldset>
          </Show>
          <Show when={!props.locked && canReply(facts())}>
            <button
              type="button"
              role="menuitem"
              class="menu-item"
              tabindex="-1"
              onClick={() => choose(props.handlers.reply)}
            >
              Reply
            </button>
          </Show>
          <Show when={!props.locked && canEdit(facts(), props.me, Date.now(), props.editWindowMs)}>
            <button
              type="button"
              role="menuitem"
              class="menu-item"
              tabindex="-1"
              onClick={() => choose(props.handlers.edit)}
            >
              Edit
            </button>
          </Show>
          <Show when={copyable() && navigator.clipboard}>
            <button
              type="button"
              role="menuitem"
              class="menu-item"
              tabindex="-1"
              onClick={() => choose(() => void navigator.clipboard.writeText(props.shown.body).catch(() => {}))}
            >
              Copy text
            </button>
          </Show>
          <Show when={canDelete(facts(), props.me)}>
            <button
              type="button"
              role="menuitem"
              class="menu-item menu-item-danger"
              tabindex="-1"
              onClick={() => choose(props.handlers.delete)}
            >
              Delete…
            </button>
          </Show>
        </div>
      </Show>
    </div>
  )
}

/** Any emoji as a reaction: a small field, checked by the same rule as the server's. */
function EmojiForm(props: {
  id: string
  onReact: (emoji: string) => void
  onBack: (() => void) | undefined
  onKeyDown: (event: KeyboardEvent) => void
}) {
  const [value, setValue] = createSignal('')
  const [problem, setProblem] = createSignal<string | null>(null)
  return (
    <form
      class="emoji-form"
      role="dialog"
      aria-label="React with another emoji"
      onKeyDown={(event) => props.onKeyDown(event)}
      onSubmit={(event) => {
        event.preventDefault()
        const emoji = value().trim()
        const wrong = emojiProblem(emoji)
        if (wrong) return setProblem(emoji === '' ? 'Type or paste an emoji first.' : 'Use one emoji, without spaces.')
        props.onReact(emoji)
      }}
    >
      <label for={`${props.id}-emoji`} class="field-label">
        Emoji
      </label>
      <div class="emoji-form-row">
        <input
          id={`${props.id}-emoji`}
          class="emoji-input"
          type="text"
          inputmode="text"
          autocomplete="off"
          enterkeyhint="send"
          value={value()}
          aria-invalid={problem() ? 'true' : undefined}
          aria-describedby={problem() ? `${props.id}-emoji-error` : undefined}
          onInput={(event) => {
            setValue(event.currentTarget.value)
            setProblem(null)
          }}
        />
        <button type="submit" class="button button-primary button-small">
          React
        </button>
      </div>
      <Show when={problem()}>
        <p id={`${props.id}-emoji-error`} class="field-error">
          {problem()}
        </p>
      </Show>
      <Show when={props.onBack}>
        {(back) => (
          <button type="button" class="link-button" onClick={() => back()()}>
            Back to actions
          </button>
        )}
      </Show>
    </form>
  )
}
