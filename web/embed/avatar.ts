/**
 * Avatars drawn locally from the avatar key: a 5×5 mirrored identicon as inline SVG, so showing a thread makes no
 * request to anyone. With AVATARS=gravatar the server sends SHA-256 hashes (64 hex digits, where its own keys are
 * 32): then, and only then, Gravatar is asked, and the identicon stays when it has no picture.
 */
const SVG = 'http://www.w3.org/2000/svg';

export function identicon(key: string, size: number): SVGSVGElement {
  const hex = (key.toLowerCase().replace(/[^0-9a-f]/g, '') + '0'.repeat(32)).slice(0, 32);
  const nibble = (i: number) => parseInt(hex.charAt(i), 16);
  const hue = parseInt(hex.slice(0, 3), 16) % 360;
  let d = '';
  for (let row = 0; row < 5; row++) {
    for (let col = 0; col < 3; col++) {
      if (nibble(3 + row * 3 + col) % 2 === 0) continue;
      d += `M${col} ${row}h1v1h-1z`;
      if (col < 2) d += `M${4 - col} ${row}h1v1h-1z`;
    }
  }
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('viewBox', '-0.75 -0.75 6.5 6.5');
  svg.setAttribute('width', String(size));
  svg.setAttribute('height', String(size));
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('focusable', 'false');
  const bg = document.createElementNS(SVG, 'rect');
  bg.setAttribute('x', '-1');
  bg.setAttribute('y', '-1');
  bg.setAttribute('width', '8');
  bg.setAttribute('height', '8');
  bg.setAttribute('fill', `hsl(${hue},45%,92%)`);
  const fg = document.createElementNS(SVG, 'path');
  fg.setAttribute('d', d);
  fg.setAttribute('fill', `hsl(${hue},55%,42%)`);
  svg.append(bg, fg);
  return svg;
}

/** `url`: a signed-in commenter's picture (https, checked by the server); else Gravatar for a Gravatar key. */
export function avatar(key: string, size: number, url?: string): HTMLElement {
  const box = document.createElement('span');
  box.className = 'av';
  box.append(identicon(key, size));
  const src = url ?? (/^[0-9a-f]{64}$/.test(key) ? `https://www.gravatar.com/avatar/${key}?s=${size * 2}&d=404` : '');
  if (src) {
    const img = document.createElement('img');
    img.alt = '';
    img.width = size;
    img.height = size;
    img.referrerPolicy = 'no-referrer';
    img.addEventListener('load', () => box.replaceChildren(img));
    img.src = src;
  }
  return box;
}
