// Shared by push.js (imported as a module for its side effect) and the service
// worker (importScripts), so both turn the server's VAPID key into bytes the
// same way. No import/export: it must also run classic.
(function (g) {
  'use strict';

  // The key arrives base64url-encoded without padding; PushManager.subscribe() wants bytes.
  function decode(b64u) {
    var s = atob(b64u.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(b64u.length / 4) * 4, '='));
    return Uint8Array.from(s, function (c) { return c.charCodeAt(0); });
  }

  g.UpikPushKey = { decode: decode };
})(self);
