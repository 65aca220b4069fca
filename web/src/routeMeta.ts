/** What a route may declare about itself; read by the guard and the title/focus hooks in router.ts. */
declare module 'vue-router' {
  interface RouteMeta {
    title?: string;
    /** Signed-out visitors are sent to /login?redirect=<this path>. */
    requiresAuth?: boolean;
    /** Login and sign-up: a signed-in visitor goes straight to the files. */
    guestOnly?: boolean;
    /** Moving between two URLs of this route (folders of the file manager): the page places the focus. */
    ownsFocus?: boolean;
  }
}

export {};
