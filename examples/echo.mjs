export default {
  fetch(request) {
    const [client, server] = Object.values(new WebSocketPair());
    server.accept();
    server.addEventListener("message", (event) => {
      server.send(event.data);
    });
    // Answer the client's close, so that it ends at once. From 2026-04-07 (web_socket_auto_reply_to_close)
    // the runtime answers by itself and the socket is already closed here.
    server.addEventListener("close", (event) => {
      if (server.readyState === WebSocket.CLOSED) return;
      if (event.code === 1005) server.close();
      else server.close(event.code, event.reason);
    });
    return new Response(null, {
      status: 101,
      webSocket: client,
    });
  },
};
