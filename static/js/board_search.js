// Infinite scroll over the paginated search results: the next page arrives as JSON when the
// end of the list comes into view. Without this script the pagination links work as they are.
import { timeElement } from "./when.js";

const list = document.querySelector("[data-search-results]");
const sentinel = document.querySelector("[data-infinite-scroll]");
const pagination = document.querySelector("[data-pagination]");

function isLocalPath(url) {
  return typeof url === "string" && url.startsWith("/") && !url.startsWith("//");
}

function resultItem(result) {
  const item = document.createElement("li");
  item.className = "px-4 py-3";
  item.dataset.postId = String(result.id);
  const link = document.createElement("a");
  link.className = "font-medium hover:underline";
  link.href = isLocalPath(result.url) ? result.url : "#";
  link.textContent = result.title;
  const meta = document.createElement("div");
  meta.className = "text-sm text-slate-600";
  meta.append(`${result.task} · ${result.author} · `, timeElement(result.created_at));
  const excerpt = document.createElement("p");
  excerpt.className = "mt-1 break-words text-sm text-slate-700";
  excerpt.dataset.excerpt = "";
  for (const [text, hit] of result.excerpt_parts) {
    if (hit) {
      const mark = document.createElement("mark");
      mark.textContent = text;
      excerpt.append(mark);
    } else {
      excerpt.append(text);
    }
  }
  item.append(link, meta, excerpt);
  return item;
}

if (list && sentinel) {
  pagination?.classList.add("hidden");
  let loading = false;
  const observer = new IntersectionObserver(async (entries) => {
    if (loading || !entries.some((entry) => entry.isIntersecting)) return;
    loading = true;
    try {
      const response = await fetch(sentinel.dataset.nextUrl, {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      });
      if (!response.ok) throw new Error(String(response.status));
      const page = await response.json();
      list.append(...page.results.map(resultItem));
      if (isLocalPath(page.next)) {
        sentinel.dataset.nextUrl = page.next;
      } else {
        observer.disconnect();
        sentinel.remove();
      }
    } catch {
      observer.disconnect();
      sentinel.remove();
      pagination?.classList.remove("hidden");
    } finally {
      loading = false;
    }
  });
  observer.observe(sentinel);
}
