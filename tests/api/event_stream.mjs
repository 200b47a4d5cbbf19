// event_stream.mjs — a GET /api/v1/events response read as it arrives, for the API tests:
// the frames parsed ({id, event, data} for events, {comment} for heartbeats, {retry}),
// whether the server ended the body (`ended`) or the test closed it (`aborted`), and waits
// on conditions checked as frames arrive (never on a fixed time; each wait fails after
// waitMs with the frames seen).

/** An open event stream: frames parsed as they arrive. */
export class EventStream {
  constructor(res, controller, { waitMs = 10_000 } = {}) {
    this.res = res;
    this.controller = controller;
    this.waitMs = waitMs;
    this.aborted = false;
    this.frames = []; // {id, event, data (parsed JSON)} for events, {comment} for comments
    this.ended = false;
    this.waiters = new Set();
    this.pump();
  }

  async pump() {
    const reader = this.res.body.getReader();
    const decoder = new TextDecoder();
    let text = '';
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        text += decoder.decode(value, { stream: true });
        let end;
        while ((end = text.indexOf('\n\n')) >= 0) {
          this.parse(text.slice(0, end));
          text = text.slice(end + 2);
        }
        this.notify();
      }
    } catch {
      this.aborted = true; // by close(): not the server's end
    }
    this.ended = true;
    this.notify();
  }

  parse(block) {
    const frame = {};
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) frame.comment = line.slice(1).trim();
      else if (line.startsWith('id: ')) frame.id = Number(line.slice(4));
      else if (line.startsWith('event: ')) frame.event = line.slice(7);
      else if (line.startsWith('data: ')) frame.data = JSON.parse(line.slice(6));
      else if (line.startsWith('retry: ')) frame.retry = Number(line.slice(7));
    }
    this.frames.push(frame);
  }

  notify() {
    for (const w of this.waiters) w();
  }

  get events() {
    return this.frames.filter((f) => f.event !== undefined);
  }

  /** Resolves with fn()'s first truthy value, checked as frames arrive. */
  async waitFor(fn, what) {
    let hit = fn();
    if (hit) return hit;
    await new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`no ${what} within ${this.waitMs} ms; frames: ${JSON.stringify(this.frames)}`));
      }, this.waitMs);
      const check = () => {
        hit = fn();
        if (hit || this.ended) {
          clearTimeout(timer);
          this.waiters.delete(check);
          if (hit) resolve();
          else reject(new Error(`stream ended before ${what}; frames: ${JSON.stringify(this.frames)}`));
        }
      };
      this.waiters.add(check);
    });
    return hit;
  }

  /** The first frame matching pred. */
  until(pred, what) {
    return this.waitFor(() => this.frames.find((f) => pred(f)), what);
  }

  untilEvent(event, dataPred = () => true, what = event) {
    return this.until((f) => f.event === event && dataPred(f.data), what);
  }

  async untilEnded() {
    if (this.ended) return;
    await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('stream did not end')), this.waitMs);
      const check = () => {
        if (this.ended) {
          clearTimeout(timer);
          this.waiters.delete(check);
          resolve();
        }
      };
      this.waiters.add(check);
    });
  }

  close() {
    this.controller.abort();
  }
}
