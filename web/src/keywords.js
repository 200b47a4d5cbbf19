// Front-end keyword table: words in the request → category and skills. The search issue replaces it.
export const KEYWORDS = [
  { words: ['tap', 'leak', 'pipe', 'plumb', 'drain', 'toilet'], category: 'home_repair', skills: ['plumbing'] },
  { words: ['paint', 'wall', 'ceiling'], category: 'home_repair', skills: ['painting'] },
  { words: ['electric', 'socket', 'light', 'lamp', 'wiring'], category: 'home_repair', skills: ['electrical'] },
  { words: ['furniture', 'ikea', 'assemble', 'shelf'], category: 'home_repair', skills: ['assembly'] },
  { words: ['grass', 'lawn', 'garden', 'hedge', 'mow'], category: 'garden', skills: ['gardening'] },
  { words: ['clean', 'tidy', 'window'], category: 'cleaning', skills: ['cleaning'] },
  { words: ['move', 'moving', 'carry', 'van'], category: 'moving', skills: ['moving'] },
  { words: ['logo', 'design', 'poster', 'flyer'], category: 'design', skills: ['graphic_design'] },
  { words: ['script', 'code', 'python', 'bug', 'website', 'app', 'port'], category: 'software', skills: ['programming'] },
  { words: ['translate', 'translation'], category: 'writing', skills: ['translation'] },
  { words: ['write', 'text', 'essay', 'proofread'], category: 'writing', skills: ['writing'] },
  { words: ['tutor', 'teach', 'lesson', 'homework'], category: 'tutoring', skills: ['tutoring'] },
];
export function guess(text) {
  const words = text.toLowerCase().split(/[^a-z0-9]+/).filter(Boolean);
  let category = null; const skills = new Set();
  for (const row of KEYWORDS) {
    if (words.some((w) => row.words.some((k) => w.startsWith(k)))) { category = category || row.category; row.skills.forEach((s) => skills.add(s)); }
  }
  return { category, skills: [...skills] };
}
