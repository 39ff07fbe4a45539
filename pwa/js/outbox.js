// Shared by the page (imported as a module for its side effect) and the service
// worker (importScripts), so queued complaints are sent by one piece of code
// whichever side wakes up first. No import/export: it must also run classic.
(function (g) {
  'use strict';
  var dbp = null;

  function db() {
    if (!dbp) {
      dbp = new Promise(function (resolve, reject) {
        var req = indexedDB.open('upik', 1);
        req.onupgradeneeded = function () {
          var d = req.result;
          d.createObjectStore('outbox', { keyPath: 'key' });
          d.createObjectStore('meta');
          d.createObjectStore('seen', { keyPath: 'id' }).createIndex('at', 'at');
        };
        req.onsuccess = function () {
          var d = req.result;
          // A newer tab or worker upgrading the schema must not be blocked by us.
          d.onversionchange = function () { d.close(); dbp = null; };
          resolve(d);
        };
        req.onerror = function () { dbp = null; reject(req.error); };
      });
    }
    return dbp;
  }

  function run(store, mode, fn) {
    return db().then(function (d) {
      return new Promise(function (resolve, reject) {
        var tx = d.transaction(store, mode);
        var req = fn(tx.objectStore(store));
        var out;
        if (req) req.onsuccess = function () { out = req.result; };
        tx.oncomplete = function () { resolve(out); };
        tx.onerror = tx.onabort = function () { reject(tx.error); };
      });
    });
  }

  var idb = {
    get: function (s, k) { return run(s, 'readonly', function (o) { return o.get(k); }); },
    all: function (s) { return run(s, 'readonly', function (o) { return o.getAll(); }); },
    put: function (s, v, k) { return run(s, 'readwrite', function (o) { return o.put(v, k); }); },
    del: function (s, k) { return run(s, 'readwrite', function (o) { return o.delete(k); }); },
    clear: function (s) { return run(s, 'readwrite', function (o) { return o.clear(); }); },
  };

  // Check-and-remember in one transaction, so two copies of the same push
  // arriving together cannot both pass. Keeps the newest ~200 ids.
  function markSeen(id) {
    return db().then(function (d) {
      return new Promise(function (resolve, reject) {
        var tx = d.transaction('seen', 'readwrite');
        var s = tx.objectStore('seen');
        var fresh = false;
        var got = s.get(id);
        got.onsuccess = function () {
          if (got.result) return;
          fresh = true;
          s.put({ id: id, at: Date.now() });
          var n = s.count();
          n.onsuccess = function () {
            var extra = n.result - 200;
            if (extra <= 0) return;
            s.index('at').openCursor().onsuccess = function (e) {
              var cur = e.target.result;
              if (cur && extra-- > 0) { cur.delete(); cur.continue(); }
            };
          };
        };
        tx.oncomplete = function () { resolve(fresh); };
        tx.onerror = tx.onabort = function () { reject(tx.error); };
      });
    });
  }

  function newKey() {
    if (g.crypto && g.crypto.randomUUID) return g.crypto.randomUUID();
    var b = g.crypto.getRandomValues(new Uint8Array(16));
    return Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join('');
  }

  // The CSRF value is stored with the item because the service worker cannot
  // read cookies; the page passes the current cookie instead when it flushes.
  function enqueue(payload, photos, csrf, owner) {
    var list = photos ? [].concat(photos) : [];
    var item = {
      key: newKey(), payload: payload, photos: list, csrf: csrf || '', owner: owner,
      created_at: new Date().toISOString(), complaint: null, error: null,
    };
    return idb.put('outbox', item).then(function () { return item; });
  }

  function check(res) {
    if (res.ok) return res;
    return res.json().catch(function () { return {}; }).then(function (body) {
      var e = new Error((body && body.detail) || 'HTTP ' + res.status);
      e.status = res.status;
      e.extra = (body && body.extra) || null; // {key, rule}: the page says it under the field
      // Only a refusal of the content itself is final; auth, rate limits and
      // server trouble are worth another try later.
      e.permanent = res.status >= 400 && res.status < 500 &&
        [401, 403, 408, 425, 429].indexOf(res.status) < 0;
      throw e;
    });
  }

  function sendOne(item, csrf) {
    var headers = { 'X-CSRF-Token': csrf || item.csrf || '' };
    var step = Promise.resolve();
    if (!item.complaint) {
      step = fetch('/api/v1/complaints', {
        method: 'POST', credentials: 'same-origin',
        headers: Object.assign({ 'Content-Type': 'application/json', 'Idempotency-Key': item.key }, headers),
        body: JSON.stringify(item.payload),
      }).then(check).then(function (r) { return r.json(); }).then(function (c) {
        // Remember the id before the photo goes up, so a failed upload is
        // retried against this complaint instead of creating another one.
        item.complaint = c;
        return idb.put('outbox', item);
      });
    }
    // `photo` (one, older queues) or `photos`; each one sent is dropped from
    // the stored item, so a retry after a lost connection never sends it twice.
    if (item.photo) { item.photos = [item.photo]; item.photo = null; }
    function nextPhoto() {
      var photo = item.photos && item.photos[0];
      if (!photo) return;
      var fd = new FormData();
      fd.append('file', photo, 'foto.' + ((photo.type || '').split('/')[1] || 'jpg'));
      return fetch('/api/v1/complaints/' + item.complaint.id + '/attachments', {
        method: 'POST', credentials: 'same-origin', headers: headers, body: fd,
      }).then(check).catch(function (e) {
        // A refused photo must not hold back a complaint that already arrived.
        if (!e.permanent) throw e;
        item.photoError = e.message;
        item.photoErrorExtra = e.extra;
      }).then(function () {
        item.photos.shift();
        return idb.put('outbox', item);
      }).then(nextPhoto);
    }
    return step.then(nextPhoto).then(function () {
      return idb.del('outbox', item.key);
    }).then(function () { return item; });
  }

  function withLock(fn) {
    var locks = g.navigator && g.navigator.locks;
    return locks ? locks.request('upik-outbox', fn) : fn();
  }

  // Sends every queued complaint of `owner` in order; resolves to
  // {sent, pending, failed}. Serialised by a Web Lock shared by page and
  // worker; the server dedupes by Idempotency-Key on top, for browsers
  // without locks. Another account's items are never sent with this session.
  function flush(csrf, owner) {
    return withLock(function () {
      return idb.all('outbox').then(function (items) {
        items.sort(function (a, b) { return a.created_at < b.created_at ? -1 : 1; });
        var result = { sent: [], pending: 0, failed: 0 };
        var stop = false;
        return items.reduce(function (p, item) {
          return p.then(function () {
            if (item.owner !== owner) return;
            if (item.error) { result.failed++; return; }
            if (stop) { result.pending++; return; }
            return sendOne(item, csrf).then(function (done) { result.sent.push(done); }, function (e) {
              if (e.permanent) {
                item.error = e.message;
                item.errorExtra = e.extra;
                result.failed++;
                return idb.put('outbox', item);
              }
              // Offline or the server is struggling: the rest would fail the same way.
              stop = true;
              result.pending++;
            });
          });
        }, Promise.resolve()).then(function () { return result; });
      });
    });
  }

  g.UpikStore = { idb: idb, markSeen: markSeen, enqueue: enqueue, flush: flush };
})(self);
