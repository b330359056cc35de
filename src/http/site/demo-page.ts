/**
 * /demo (and two more stories under /demo/…): pages that look like a news site's article, with the widget under the
 * story and count.js filling a "More stories" list, so Parley can be seen working right after `npm start`. Served
 * under a strict CSP: scripts from this origin only, no inline script, the page's one stylesheet allowed by hash.
 */
import { Router, type Request } from 'express';
import type { AvatarMode } from '../../domain/privacy.js';
import { html, pageCsp, trustedHtml, type Html } from '../html.js';
import { assetUrl, type Manifest } from './assets.js';
import { SITE_CSS, SITE_CSS_HASH } from './style.js';
import { threadPageHref } from './thread-page.js';

export interface DemoPageDeps {
  publicUrl: string | null;
  avatars: AvatarMode;
  manifest: () => Manifest | null;
}

interface Story {
  slug: string;
  section: string;
  title: string;
  dek: string;
  author: string;
  date: string;
  minutes: number;
  paragraphs: string[];
  quote?: string;
  caption: string;
  hue: number;
}

const STORIES: Story[] = [
  {
    slug: '',
    section: 'Science',
    title: 'Night-shift bees keep the city’s rooftop gardens alive',
    dek: 'A two-year survey of 140 rooftops finds that a handful of hardy species do most of the pollinating — and many of them keep working long after dark.',
    author: 'Mara Okafor',
    date: '2026-06-01',
    minutes: 4,
    caption: 'Rooftop beds on the old tram depot, where most of the evening counts were made.',
    hue: 38,
    paragraphs: [
      'When the city began paying building owners to plant their roofs, nobody was sure what would turn up to pollinate the tomatoes. The answer, according to a survey published this week, is a small and stubborn crew of bees that seem to have adapted to life five storeys up.',
      'Researchers visited 140 rooftops between April and October for two seasons, counting visits to flowers at dawn, at midday and — more unusually — after sunset. Three species accounted for almost seven in ten visits, and one of them, a sweat bee more often associated with warm southern valleys, did a third of its work in the two hours after dusk.',
      '“The roofs hold the day’s heat far into the evening,” said the study’s lead author, who spent much of two summers on a folding stool with a red-filtered torch. “For an insect that needs a warm body to fly, a tar roof at nine at night is a very good place to be.”',
      'The findings have practical consequences. Gardens that planted evening-scented flowers such as tobacco plants and evening primrose saw twice as many late visits, and their tomato yields were higher. The city now plans to add a short list of night-flowering plants to its green-roof grants.',
      'Not everything was good news. Roofs more than eight storeys up were visited far less often, and the survey found almost no bumblebees above the fifth floor. The authors suggest that the tallest buildings may need a stepping stone — a planted balcony or a mid-height terrace — to be reached at all.',
    ],
    quote: '“For an insect that needs a warm body to fly, a tar roof at nine at night is a very good place to be.”',
  },
  {
    slug: 'harbour-ferry',
    section: 'City',
    title: 'The last wooden ferry on the harbour gets a second life',
    dek: 'Retired in 2019, the Marguerite will carry passengers again this summer after volunteers spent four winters rebuilding her hull plank by plank.',
    author: 'Tomás Reyes',
    date: '2026-05-28',
    minutes: 3,
    caption: 'The Marguerite on the slipway at the east basin, April.',
    hue: 205,
    paragraphs: [
      'For seventy years the Marguerite crossed the harbour eleven times a day. When she was taken out of service, the operator expected to sell her for scrap. Instead, a group of retired shipwrights asked for the keys.',
      'Four winters and roughly 3,000 volunteer hours later, she floats again. The rebuilt hull uses larch from a storm-felled stand in the hills, and the original brass fittings have been polished back to life.',
      'From July the ferry will run a weekend service between the old quay and the island park, with tickets priced at what the crossing cost in 1956, adjusted for inflation.',
    ],
  },
  {
    slug: 'night-market',
    section: 'Food',
    title: 'At the night market, the queue is the point',
    dek: 'Every Friday the car park behind the library fills with forty stalls and a crowd that seems happy to wait an hour for a dumpling.',
    author: 'Lena Hartmann',
    date: '2026-05-22',
    minutes: 3,
    caption: 'Friday evening at the library car park.',
    hue: 330,
    paragraphs: [
      'The night market began as six tables and a borrowed generator. Three years on, it has a waiting list of traders and a regular crowd of several thousand.',
      'The longest queue belongs to a dumpling stall run by two sisters who fold every one of them in front of their customers. Nobody seems to mind the wait: the line has become a place to meet neighbours, compare notes and decide what to eat next.',
      'The council is now considering a second night, on Wednesdays, though traders are split on whether the magic would survive a midweek edition.',
    ],
  },
];

const storyPath = (s: Story) => (s.slug ? `/demo/${s.slug}` : '/demo');
const DATE = new Intl.DateTimeFormat('en', { dateStyle: 'long', timeZone: 'UTC' });

/** A decorative skyline, drawn with presentation attributes only (no style attributes under the CSP). */
function illustration(hue: number): Html {
  const sky = `hsl(${hue},70%,86%)`;
  const sun = `hsl(${(hue + 20) % 360},85%,62%)`;
  const far = `hsl(${hue},25%,55%)`;
  const near = `hsl(${hue},30%,30%)`;
  const green = 'hsl(120,35%,38%)';
  return html`<svg viewBox="0 0 640 260" role="img" aria-label="Illustration: a city skyline with planted rooftops at sunset" focusable="false">
<rect width="640" height="260" fill="${sky}"/><circle cx="470" cy="110" r="46" fill="${sun}"/>
<path d="M0 190h40v-60h50v40h30v-80h60v100h40v-50h70v70h50v-110h60v90h40v-40h60v60h40v-70h50v90h50v70H0z" fill="${far}"/>
<path d="M0 260v-40h70v-50h90v60h60v-30h110v40h70v-70h80v60h60v-30h100v110z" fill="${near}"/>
<path d="M70 170h90v-8c-10-10-25-12-35-4-12-8-30-8-55 4zM330 200h110v-9c-14-9-30-9-40-3-16-9-40-8-70 3zM440 160h80v-8c-12-8-24-9-34-3-12-6-28-5-46 3z" fill="${green}"/>
</svg>`;
}

function origin(req: Request, publicUrl: string | null): string {
  return publicUrl ?? `${req.protocol}://${req.get('host') ?? 'localhost'}`;
}

export function demoPage({ publicUrl, avatars, manifest }: DemoPageDeps): Router {
  const router = Router();
  const csp = pageCsp({ styleSources: [SITE_CSS_HASH], imgSources: avatars === 'gravatar' ? ['https://www.gravatar.com'] : [] });

  router.get(['/demo', '/demo/:slug'], (req, res, next) => {
    const story = STORIES.find((s) => s.slug === (req.params.slug ?? ''));
    if (!story) {
      next();
      return;
    }
    const base = origin(req, publicUrl);
    const url = `${base}${storyPath(story)}`;
    const m = manifest();
    const others = STORIES.filter((s) => s !== story);
    const snippet = `<div id="parley"></div>\n<script src="${base}/embed.js" defer></script>\n\n<!-- on listing pages -->\n<a href="/2026/06/a-story" data-parley-count="https://example.org/2026/06/a-story">Comments</a>\n<script src="${base}/count.js" defer></script>`;
    const body = html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${story.title} — The Parley Herald</title>
<link rel="canonical" href="${url}">
<link rel="icon" href="data:,">
<meta name="description" content="${story.dek}">
<style>${trustedHtml(SITE_CSS)}</style>
</head>
<body>
<header class="mast"><div class="wrap">
<a class="brand" href="/demo">The Parley Herald</a>
<ul class="sections" aria-label="Sections"><li>World</li><li>City</li><li>Science</li><li>Food</li><li>Opinion</li></ul>
</div></header>
<main class="wrap">
<article>
<p class="kicker">${story.section}</p>
<h1>${story.title}</h1>
<p class="dek">${story.dek}</p>
<p class="byline">By <strong>${story.author}</strong> · <time datetime="${story.date}">${DATE.format(new Date(story.date))}</time> · ${story.minutes} min read</p>
<figure>${illustration(story.hue)}<figcaption>${story.caption}</figcaption></figure>
${story.paragraphs.map((p, i) => html`<p${i === 0 ? html` class="drop"` : ''}>${p}</p>${i === 1 && story.quote ? html`<blockquote class="pull"><p>${story.quote}</p></blockquote>` : ''}`)}
</article>
<section class="comments" aria-label="Comments">
<div id="parley"></div>
<noscript><p><a href="${threadPageHref({ url })}">Read the comments and leave a reply (no JavaScript needed)</a></p></noscript>
</section>
<aside class="more" aria-labelledby="more-title">
<h2 id="more-title">More stories</h2>
<ul>${others.map(
      (s) => html`<li><a href="${storyPath(s)}">${s.title}</a> <span class="count" data-parley-count="${base}${storyPath(s)}">Comments</span></li>`,
    )}</ul>
</aside>
<section class="embed" aria-labelledby="embed-title">
<h2 id="embed-title">Put Parley on your own site</h2>
<p>This page is a demo served by Parley itself. Two lines add the same comments to any article, and count.js fills in comment counts on listing pages:</p>
<pre><code>${snippet}</code></pre>
</section>
</main>
<footer><div class="wrap">The Parley Herald is a made-up newspaper. Comments left here are real: they are stored by this Parley server.</div></footer>
<script src="${assetUrl(m, 'embed.js')}" defer></script>
<script src="${assetUrl(m, 'count.js')}" defer></script>
</body>
</html>
`;
    res.set({ 'Content-Type': 'text/html; charset=utf-8', 'Content-Security-Policy': csp, 'Cache-Control': 'no-cache' }).send(body.value);
  });
  return router;
}
