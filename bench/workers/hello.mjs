// The HTTP benchmark's worker: the Workers "Hello World!", in the modules format.
export default {
  fetch() {
    return new Response("Hello World!");
  },
};
