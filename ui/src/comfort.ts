// Reading comfort (issue 14): the text size and the colour theme, settings of this device's UI kept
// in localStorage like the language and the era. The size scales the root font size, so every
// rem/em in the CSS grows with it; Ctrl + / Ctrl − / Ctrl 0, Ctrl + the wheel (a touchpad's pinch)
// and a two-finger pinch on the screen step it, since the app's window ignores the browser zoom. The theme follows the system
// (`prefers-color-scheme`) unless light or dark is chosen; it is applied as `data-theme` on <html>.

export type TextSize = "standard" | "large" | "xlarge";
export type Theme = "system" | "light" | "dark";

/** The sizes in order, each with its scale of the root font size (17 px). */
export const TEXT_SIZES: TextSize[] = ["standard", "large", "xlarge"];
export const TEXT_SCALE: Record<TextSize, number> = { standard: 1, large: 1.18, xlarge: 1.35 };
export const THEMES: Theme[] = ["system", "light", "dark"];

const SIZE_KEY = "carebook.textSize";
const THEME_KEY = "carebook.theme";
const listeners = new Set<() => void>();

function read<T extends string>(key: string, allowed: T[], fallback: T): T {
  try {
    const v = localStorage.getItem(key) as T | null;
    return v && allowed.includes(v) ? v : fallback;
  } catch {
    return fallback;
  }
}

function write(key: string, value: string) {
  try {
    localStorage.setItem(key, value);
  } catch {
    /* private mode: the choice lasts for this run */
  }
}

export const textSize = { value: read<TextSize>(SIZE_KEY, TEXT_SIZES, "standard") };
export const theme = { value: read<Theme>(THEME_KEY, THEMES, "system") };

const darkQuery = (): MediaQueryList | null => (typeof matchMedia === "function" ? matchMedia("(prefers-color-scheme: dark)") : null);

/** The theme in effect: the chosen one, or the system's. */
export function effectiveTheme(): "light" | "dark" {
  if (theme.value !== "system") return theme.value;
  return darkQuery()?.matches ? "dark" : "light";
}

/** Puts the settings on <html>: `data-text-size` (the CSS scales the root font size) and `data-theme`. */
export function applyComfort() {
  const root = document.documentElement;
  root.dataset.textSize = textSize.value;
  root.dataset.theme = effectiveTheme();
}

export function setTextSize(s: TextSize) {
  textSize.value = s;
  write(SIZE_KEY, s);
  applyComfort();
  listeners.forEach((f) => f());
}

export function setTheme(th: Theme) {
  theme.value = th;
  write(THEME_KEY, th);
  applyComfort();
  listeners.forEach((f) => f());
}

/** One size up (+1) or down (−1), staying within the sizes. */
export function stepTextSize(by: 1 | -1) {
  const i = TEXT_SIZES.indexOf(textSize.value) + by;
  if (i >= 0 && i < TEXT_SIZES.length) setTextSize(TEXT_SIZES[i]);
}

/** Called when a setting changes. */
export function onComfortChange(f: () => void): () => void {
  listeners.add(f);
  return () => listeners.delete(f);
}

let wheelAt = 0;

/** Applies the settings now and keeps them applied: the system's theme changing, and the keys
 * Ctrl + / Ctrl − / Ctrl 0 (⌘ on a Mac) and Ctrl + the wheel, which step the text size. */
export function installComfort() {
  applyComfort();
  darkQuery()?.addEventListener("change", () => {
    applyComfort();
    listeners.forEach((f) => f());
  });
  window.addEventListener("keydown", (e) => {
    if (!(e.ctrlKey || e.metaKey) || e.altKey) return;
    if (e.key === "+" || e.key === "=" || e.key === ";" || e.code === "NumpadAdd") stepTextSize(1);
    else if (e.key === "-" || e.key === "_" || e.code === "NumpadSubtract") stepTextSize(-1);
    else if (e.key === "0" || e.code === "Numpad0") setTextSize("standard");
    else return;
    e.preventDefault();
  });
  // Two fingers on the screen pinching apart or together: one step each time their distance has
  // grown or shrunk by a third since the gesture began or the last step. Listening only (passive):
  // scrolling and the signature pad are left alone.
  let pinchFrom = 0;
  const spread = (e: TouchEvent) => Math.hypot(e.touches[0].clientX - e.touches[1].clientX, e.touches[0].clientY - e.touches[1].clientY);
  window.addEventListener("touchstart", (e) => (pinchFrom = e.touches.length === 2 ? spread(e) : 0), { passive: true });
  window.addEventListener(
    "touchmove",
    (e) => {
      if (e.touches.length !== 2 || !pinchFrom) return;
      const d = spread(e);
      if (d >= pinchFrom * 1.33 || d <= pinchFrom * 0.75) {
        stepTextSize(d > pinchFrom ? 1 : -1);
        pinchFrom = d;
      }
    },
    { passive: true },
  );
  window.addEventListener("touchend", () => (pinchFrom = 0), { passive: true });
  // A touchpad's pinch arrives as a wheel event with ctrlKey: one step per gesture burst.
  window.addEventListener(
    "wheel",
    (e) => {
      if (!e.ctrlKey) return;
      e.preventDefault();
      const now = Date.now();
      if (now - wheelAt < 400 || e.deltaY === 0) return;
      wheelAt = now;
      stepTextSize(e.deltaY < 0 ? 1 : -1);
    },
    { passive: false },
  );
}
