/* The progress queue: events wait in localStorage until the hub has them.
   Each event gets its id here, so a batch sent twice (the answer was lost when the Wi-Fi
   dropped) is stored once. ES5 on purpose: old Android browsers. crypto.randomUUID needs a
   secure context, which http://hub.lan is not, so ids come from getRandomValues. */
(function () {
  "use strict";
  var KEY = "hub.progress.v1";
  var BATCH = 100;
  var learner = document.body.getAttribute("data-learner");
  var sending = false;
  var delay = 2000;
  var timer = null;

  function uuid4() {
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = [];
    for (var i = 0; i < 16; i++) { hex.push((bytes[i] + 0x100).toString(16).slice(1)); }
    return hex.slice(0, 4).join("") + "-" + hex.slice(4, 6).join("") + "-" +
      hex.slice(6, 8).join("") + "-" + hex.slice(8, 10).join("") + "-" + hex.slice(10).join("");
  }

  function load() {
    try { return JSON.parse(window.localStorage.getItem(KEY)) || []; } catch (e) { return []; }
  }

  function save(queue) {
    try { window.localStorage.setItem(KEY, JSON.stringify(queue)); } catch (e) { /* full: keep in memory only */ }
  }

  function record(type, courseId, lessonId, payload) {
    if (!learner) { return; }
    var queue = load();
    // On a shared tablet each event remembers whose it is; it is only ever sent while that
    // learner is signed in, because the hub records events for the signed-in learner only.
    queue.push({ learner: learner, event: {
      id: uuid4(), type: type, course_id: courseId, lesson_id: lessonId, payload: payload || {}
    } });
    save(queue);
    flush();
  }

  function remove(ids) {
    var gone = {};
    for (var i = 0; i < ids.length; i++) { gone[ids[i]] = true; }
    save(load().filter(function (item) { return !gone[item.event.id]; }));
  }

  function retryLater() {
    window.clearTimeout(timer);
    timer = window.setTimeout(flush, delay);
    delay = Math.min(delay * 2, 60000);
  }

  function flush(size) {
    if (sending || !learner) { return; }
    var mine = load().filter(function (item) { return item.learner === learner; });
    if (!mine.length) { return; }
    var batch = mine.slice(0, size || BATCH);
    var ids = batch.map(function (item) { return item.event.id; });
    sending = true;
    var xhr = new XMLHttpRequest();
    xhr.open("POST", "/api/v1/progress");
    xhr.setRequestHeader("Content-Type", "application/json");
    xhr.timeout = 20000;
    xhr.onload = function () {
      sending = false;
      if (xhr.status === 200) {
        remove(ids);
        delay = 2000;
        flush();
      } else if (xhr.status === 400 && batch.length > 1) {
        flush(1);  // find the one event the hub refuses; send the rest
      } else if (xhr.status === 400) {
        remove(ids);  // an event the hub will never take: drop it, or it blocks the queue
        flush();
      } else if (xhr.status !== 401) {
        retryLater();
      }
    };
    xhr.onerror = xhr.ontimeout = function () { sending = false; retryLater(); };
    // The phone's clock goes too: a hub without a clock module takes the time its classroom's
    // devices agree on (hubd/timekeeping).
    xhr.send(JSON.stringify({
      events: batch.map(function (item) { return item.event; }),
      sent_ms: Date.now()
    }));
  }

  window.addEventListener("online", function () { delay = 2000; flush(); });
  window.hubProgress = { record: record, flush: flush, pending: function () { return load().length; } };
  flush();
})();
