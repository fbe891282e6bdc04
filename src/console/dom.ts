/**
 * A few DOM helpers instead of a framework. Text always goes in through `textContent`, never
 * `innerHTML`: messages are model output and user input, so nothing they contain is markup.
 */

type Child = Node | string | number | null | undefined | false;
type Handler = (event: Event) => void;

export interface Props {
  class?: string;
  text?: string;
  /** Attributes, set with setAttribute (`false`/undefined: left out, `true`: empty value). */
  attrs?: Record<string, string | number | boolean | undefined>;
  on?: Record<string, Handler>;
}

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, props: Props = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  if (props.class) element.className = props.class;
  if (props.text !== undefined) element.textContent = props.text;
  for (const [name, value] of Object.entries(props.attrs ?? {})) {
    if (value === undefined || value === false) continue;
    element.setAttribute(name, value === true ? '' : String(value));
  }
  for (const [name, handler] of Object.entries(props.on ?? {})) element.addEventListener(name, handler);
  append(element, ...children);
  return element;
}

export function append(parent: Element, ...children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.append(typeof child === 'number' ? String(child) : child);
  }
}

/** Replaces an element's children. */
export function replace(parent: Element, ...children: Child[]): void {
  parent.replaceChildren();
  append(parent, ...children);
}

const SVG = 'http://www.w3.org/2000/svg';

/** An SVG element (charts are drawn as inline SVG, no library). */
export function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number> = {}, ...children: Array<SVGElement | string>): SVGElementTagNameMap[K] {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs)) element.setAttribute(name, String(value));
  element.append(...children);
  return element;
}

/** A button that is always `type="button"` unless told otherwise, so it never submits a form by accident. */
export function button(label: string, onClick: Handler, props: Props = {}): HTMLButtonElement {
  return h('button', { ...props, text: label, attrs: { type: 'button', ...props.attrs }, on: { click: onClick, ...props.on } });
}

/** Moves focus to a view's heading after navigation, so screen readers and keyboards start there. */
export function focusHeading(root: Element): void {
  // A view that focused a control itself (the chat's message box) knows better.
  if (document.activeElement && document.activeElement !== document.body && root.contains(document.activeElement)) return;
  const heading = root.querySelector<HTMLElement>('h1, h2');
  if (!heading) return;
  heading.tabIndex = -1;
  heading.focus({ preventScroll: true });
}

/**
 * The sentence a form says above itself: an alert (role alert) or a notice (role status), read out
 * by screen readers, and scrolled into sight (a long form's Save sits far below it).
 */
export function formFeedback(): { element: HTMLDivElement; say(kind: 'alert' | 'notice', text: string): void } {
  const element = h('div', { class: 'form-feedback' });
  return {
    element,
    say(kind, text) {
      replace(element, h('p', { class: kind, attrs: { role: kind === 'alert' ? 'alert' : 'status' } }, text));
      element.scrollIntoView({ block: 'nearest' });
    },
  };
}
