/* Push notifications in the service worker (imported by /sw.js with importScripts): show
   what the server sent (notifications/push.py: title, body, the page to open, a tag that a
   repeated delivery shares, so the phone shows it once), and open that page on a tap. */
"use strict";

self.addEventListener("push", function (event) {
  var data = {};
  try { data = event.data ? event.data.json() : {}; } catch (error) { data = {}; }
  var title = data.title || "Sprachmittlerpool";
  event.waitUntil(self.registration.showNotification(title, {
    body: data.body || "",
    tag: data.tag || undefined,
    lang: data.lang || "",
    dir: data.dir || "auto",
    icon: "/static/img/apple-touch-icon.png",
    data: {url: data.url || "/"}
  }));
});

self.addEventListener("notificationclick", function (event) {
  event.notification.close();
  var target = (event.notification.data && event.notification.data.url) || "/";
  var url = new URL(target, self.location.origin);
  if (url.origin !== self.location.origin) { url = new URL("/", self.location.origin); }
  event.waitUntil(self.clients.matchAll({type: "window", includeUncontrolled: true}).then(function (windows) {
    for (var i = 0; i < windows.length; i += 1) {
      if (windows[i].url === url.href && "focus" in windows[i]) { return windows[i].focus(); }
    }
    return self.clients.openWindow(url.href);
  }));
});

