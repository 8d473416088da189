// Tiny DOM helpers. Styles are only ever set through the CSSOM (el.style / setProperty): the page's CSP blocks
// style="" attributes in markup but not script-set properties.
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, ...children: (Node | string | null)[]): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) { if (k === 'class') e.className = v; else e.setAttribute(k, v); }
  for (const c of children) if (c !== null) e.append(c);
  return e;
}

export function option(value: string, label: string, selected: boolean): HTMLOptionElement {
  const o = el('option', { value }, label);
  o.selected = selected;
  return o;
}

/** A labelled native <select>; native controls keep the bundle free of a component library. */
export function select(id: string, label: string, options: [string, string][], value: string, onChange: (v: string) => void, title?: string): HTMLElement {
  const s = el('select', { id });
  s.append(...options.map(([v, l]) => option(v, l, v === value)));
  s.addEventListener('change', () => onChange(s.value));
  const wrap = el('label', { class: 'ctl', for: id }, el('span', {}, label), s);
  if (title) wrap.title = title;
  return wrap;
}

export function button(id: string, label: string, onClick: () => void, secondary = true): HTMLButtonElement {
  const b = el('button', { id, type: 'button', class: secondary ? 'btn secondary' : 'btn' }, label);
  b.addEventListener('click', onClick);
  return b;
}
