/* Turning push notifications on for this device (the mediator's profile page): register the
   service worker (/sw.js), ask for permission, subscribe with the site's VAPID key and hand
   the subscription to the server. Without JavaScript or push support the button stays
   hidden and the page says so; the e-mails reach the mediator either way. */
(function () {
  "use strict";
  var setup = document.getElementById("push-setup");
  if (!setup) { return; }
  var unsupported = document.getElementById("push-unsupported");
  var status = document.getElementById("push-status");
  var button = document.getElementById("push-on");
  if (!("serviceWorker" in navigator) || !("PushManager" in window) || !("Notification" in window)) {
    return;
  }
  setup.hidden = false;
  unsupported.hidden = true;

  function keyBytes(base64url) {
    var padded = (base64url + "===".slice((base64url.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
    var raw = window.atob(padded);
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i += 1) { bytes[i] = raw.charCodeAt(i); }
    return bytes;
  }

  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    if (match) { return decodeURIComponent(match[1]); }
    var field = document.querySelector("input[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }

  function say(text) { status.textContent = text; }

  async function turnOn() {
    button.disabled = true;
    try {
      var permission = await Notification.requestPermission();
      if (permission !== "granted") { say(setup.dataset.msgDenied); return; }
      await navigator.serviceWorker.register(setup.dataset.worker, {scope: "/"});
      var registration = await navigator.serviceWorker.ready;
      var subscription = await registration.pushManager.getSubscription();
      if (!subscription) {
        subscription = await registration.pushManager.subscribe({
          userVisibleOnly: true,
          applicationServerKey: keyBytes(setup.dataset.key)
        });
      }
      var response = await fetch(setup.dataset.subscribe, {
        method: "POST",
        credentials: "same-origin",
        headers: {"Content-Type": "application/json", "X-CSRFToken": csrfToken()},
        body: JSON.stringify(subscription.toJSON ? subscription.toJSON() : subscription)
      });
      if (!response.ok) { throw new Error("server answered " + response.status); }
      say(setup.dataset.msgOn);
      window.setTimeout(function () { window.location.reload(); }, 1500);
    } catch (error) {
      say(setup.dataset.msgFailed);
    } finally {
      button.disabled = false;
    }
  }

  button.addEventListener("click", turnOn);
})();
