/* Every page: the header's menu button on a phone, and the installable app's service
   worker (web/offline.py). Without this script the pages work as before: the menu is open. */
"use strict";

(function () {
  const header = document.querySelector(".site-header");
  const button = header && header.querySelector(".menu-button");
  if (button) {
    const open = expanded => {
      button.setAttribute("aria-expanded", expanded ? "true" : "false");
      header.classList.toggle("site-header--open", expanded);
    };
    header.classList.add("site-header--menu");
    button.hidden = false;
    open(false);
    button.addEventListener("click", () => open(button.getAttribute("aria-expanded") !== "true"));
    header.addEventListener("keydown", event => {
      if (event.key === "Escape" && button.getAttribute("aria-expanded") === "true") {
        open(false);
        button.focus();
      }
    });
  }

  const body = document.body;
  if (!("serviceWorker" in navigator)) return;
  if (body.dataset.serviceWorker) {
    navigator.serviceWorker.register(body.dataset.serviceWorker, {scope: "/"});
  } else if (body.dataset.signedOut !== undefined) {
    // Signed out: no copy of anyone's pages stays on this device.
    if (navigator.serviceWorker.controller) navigator.serviceWorker.controller.postMessage("forget");
    if ("caches" in window) {
      caches.keys().then(names => Promise.all(
        names.filter(name => name.startsWith("smp-")).map(name => caches.delete(name))));
    }
  }
})();
