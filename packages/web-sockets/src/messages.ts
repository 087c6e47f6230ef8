/**
 * Error messages of the Workers runtime, word for word (workerd `src/workerd/api/web-socket.c++` and
 * `web-socket.h`, see docs/research notes in the package README). One place, so tests and code agree.
 */
export const MESSAGES = {
  pairWithoutNew:
    "Failed to construct 'WebSocketPair': Please use the 'new' operator, this object constructor cannot be called as a function.",
  acceptOnClientSocket: "Websockets obtained from the 'new WebSocket()' constructor cannot call accept",
  acceptAfterUse: "Can't accept() WebSocket that was already used in a response.",
  acceptAfterHibernation: "Can't accept() WebSocket after enabling hibernation.",
  hibernatableIncompatibleState: "Tried to make an api::WebSocket hibernatable when it was in an incompatible state.",
  notAccepted:
    "You must call one of accept() or state.acceptWebSocket() on this WebSocket before sending messages.",
  sendAfterClose: "Can't call WebSocket send() after close().",
  // A deliberate departure (SPEC.md): workerd ignores a second close() from the same side; we throw,
  // with Miniflare 2's message, because the reference page lists it as an error.
  alreadyClosed: "WebSocket already closed",
  invalidCloseCode: (code: number) => `Invalid WebSocket close code: ${code}.`,
  reasonWithoutCode: "If you specify a WebSocket close reason, you must also specify a code.",
  reasonTooLong: "WebSocket close reason must not be longer than 123 bytes when UTF-8 encoded.",
  coupleUsed: "Can't return WebSocket that was already used in a response.",
  coupleAccepted: "Can't return WebSocket in a Response after calling accept().",
  coupleHibernatable: "Can't return WebSocket in a Response after calling acceptWebSocket().",
  coupleClientSocket: "Can't return WebSocket in a Response if it was created with `new WebSocket()`",
  urlInvalid: "WebSocket Constructor: The url is invalid.",
  urlScheme: "WebSocket Constructor: The url scheme must be ws or wss.",
  urlFragment: "WebSocket Constructor: The url fragment must be empty.",
  protocolInvalid: "WebSocket Constructor: The protocol header token is invalid.",
  protocolsInvalid: "WebSocket Constructor: One of the protocol header tokens is invalid.",
  protocolsRepeated: "WebSocket Constructor: The protocols header cannot have repeating values.",
  connectFailedStatus: (status: number) =>
    "Failed to establish the WebSocket connection: expected server to reply with HTTP status code 101 " +
    `(switching protocols), but received ${status} instead.`,
  connectFailedReason: "Failed to establish websocket connection",
  /** workerd's words for any failure to reach the other side (kj's DISCONNECTED). */
  networkLost: "Network connection lost.",
  acceptOptions: "Failed to execute 'accept' on 'WebSocket': parameter 1 is not of type 'AcceptOptions'.",
  sendNothing: "Failed to execute 'send' on 'WebSocket': parameter 1 is not of type 'ArrayBuffer or ArrayBufferView or string'.",
  constructWithoutUrl: "Failed to construct 'WebSocket': constructor parameter 1 is not of type 'string'.",
  serializeAttachmentNothing: "Failed to execute 'serializeAttachment' on 'WebSocket': parameter 1 is not of type 'JsValue'.",
  attachmentTooLarge: (size: number) =>
    `A WebSocket 'attachment' cannot be larger than 16384 bytes.'attachment' was ${size} bytes.`,
  disconnected: "WebSocket disconnected without sending Close frame.",
  fetchUnknownProtocol: (url: string) => `Fetch API cannot load: ${url}`,
  messageTooLarge: (size: number, limit: number) => `Message is too large: ${size} > ${limit}`,
} as const;
