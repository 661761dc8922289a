// What a chat link that leads nowhere shows (an unknown id, or oneself): a plain statement
// and the way back, with no header pretending there is somebody to talk to.
import { A } from '@solidjs/router'

export function NoSuchConversation(props: { headingId: string; detail: string }) {
  return (
    <div class="conversation-problem" role="alert">
      <h2 id={props.headingId} class="card-title" tabindex="-1">
        No such conversation
      </h2>
      <p>{props.detail}</p>
      <A href="/">Back to your chats</A>
    </div>
  )
}
