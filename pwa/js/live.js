// Live updates: the server pushes a small event; the visible view refetches.
let es = null;
let timer = 0;

export function startLive(onChange) {
  if (es || !('EventSource' in window)) return;
  es = new EventSource('/api/v1/events/stream');
  es.addEventListener('complaint', (e) => {
    let data = {};
    try { data = JSON.parse(e.data); } catch { return; }
    // A burst of events (e.g. an admin dispatching ten) should cost one refetch.
    clearTimeout(timer);
    timer = setTimeout(() => onChange(data), 250);
  });
}

export function stopLive() {
  es?.close();
  es = null;
}
