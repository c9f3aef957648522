// A stand-in for LINE's LIFF SDK (https://static.line-scdn.net/liff/edge/2/sdk.js), served by the emulator at
// /liff/sdk.js. As on LINE, the LIFF browser hands the page the logged-in user's ID token in the URL fragment
// when it opens the app (the web chat does this for the user whose chat opened the link); liff.init() keeps it
// for the tab and takes it out of the address bar. Nothing else logs anyone in: liff.login() without a token
// only leads to a page saying to open the link from the chat. The token is checked by the app's server, never
// here: getProfile() and getDecodedIDToken() only read it.
(function () {
  "use strict";
  const emulator = new URL(document.currentScript.src).origin;
  let liffId = null;
  let idToken = null;

  function storageKey() {
    return "liff:" + liffId + ":id_token";
  }

  function decode(token) {
    const part = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    const bytes = Uint8Array.from(atob(part), (ch) => ch.charCodeAt(0));
    return JSON.parse(new TextDecoder().decode(bytes));
  }

  window.liff = {
    init(config) {
      liffId = config && config.liffId;
      if (!liffId) return Promise.reject(new Error("liffId is necessary for liff.init()"));
      const fragment = new URLSearchParams(window.location.hash.slice(1));
      const given = fragment.get("id_token");
      if (given) {
        sessionStorage.setItem(storageKey(), given);
        fragment.delete("id_token");
        const rest = fragment.toString();
        window.history.replaceState(window.history.state, "",
          window.location.pathname + window.location.search + (rest ? "#" + rest : ""));
      }
      idToken = sessionStorage.getItem(storageKey());
      return Promise.resolve();
    },
    isInClient() {
      return true;
    },
    isLoggedIn() {
      return idToken !== null;
    },
    getIDToken() {
      return idToken;
    },
    getDecodedIDToken() {
      return idToken ? decode(idToken) : null;
    },
    getProfile() {
      if (!idToken) return Promise.reject(new Error("liff.getProfile() needs a logged-in user"));
      const claims = decode(idToken);
      return Promise.resolve({ userId: claims.sub, displayName: claims.name });
    },
    login(options) {
      const redirectUri = (options && options.redirectUri) || window.location.href;
      window.location.href = emulator + "/liff/login?" + new URLSearchParams({ liff_id: liffId, redirect_uri: redirectUri });
    },
    logout() {
      sessionStorage.removeItem(storageKey());
      idToken = null;
    },
  };
})();
