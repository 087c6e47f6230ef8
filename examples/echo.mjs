export default {
  fetch(request) {
    const [client, server] = Object.values(new WebSocketPair());
    server.accept();
    server.addEventListener("message", (event) => {
      server.send(event.data);
    });
    return new Response(null, {
      status: 101,
      webSocket: client,
    });
  },
};
