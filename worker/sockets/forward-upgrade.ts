// The Worker hands an authenticated upgrade to the object that will hold the socket.

/**
 * A refusal the object answers (429, 4xx) is copied, since a response from a stub has
 * immutable headers and the Worker adds its security headers to every response.
 */
export async function forwardUpgrade(stub: { fetch(request: Request): Promise<Response> }, request: Request) {
  const res = await stub.fetch(request)
  return res.status === 101 ? res : new Response(res.body, res)
}
