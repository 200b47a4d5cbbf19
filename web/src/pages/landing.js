import { html, Button, Card } from '../ui.js';
import { navigate } from '../router.js';
import { useSession } from '../session.js';
import { guess } from '../keywords.js';

export function Landing() {
  const me = useSession();
  const go = (e) => {
    e.preventDefault();
    const text = String(new FormData(e.target).get('need') || '').trim();
    if (!text) return;
    const g = guess(text);
    const q = new URLSearchParams({ title: text });
    if (g.category) q.set('category', g.category);
    if (g.skills.length) q.set('skills', g.skills.join(','));
    const post = '/post?' + q;
    navigate(me ? post : '/signup?' + new URLSearchParams({ next: post }));
  };
  return html`<div class="landing">
    <section class="hero">
      <h1>Get things done by people nearby and online.</h1>
      <p class="lead">peerwork hands each task to the best available worker, who takes it on time — no job board, no bidding.</p>
      <form class="request" onSubmit=${go} role="search">
        <label for="need" class="request-label">What do you need done?</label>
        <div class="request-row">
          <input id="need" name="need" maxlength="200" placeholder="e.g. fix a dripping tap in Amsterdam" required />
          <${Button} type="submit">Continue<//>
        </div>
      </form>
    </section>
    <section id="provider-results" class="provider-results" aria-label="Providers" data-region="provider-results"></section>
    <div class="steps">
      <${Card}><h2>1. Say what you need</h2><p>Money or goods, remote or at a place.</p><//>
      <${Card}><h2>2. Someone is assigned</h2><p>The best-fitting worker gets it and must accept in time.</p><//>
      <${Card}><h2>3. Approve and pay</h2><p>Escrow is released only when you approve.</p><//>
    </div>
  </div>`;
}
