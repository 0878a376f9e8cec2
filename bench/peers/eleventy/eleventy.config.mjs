// The Eleventy peer for bench/run: a minimal site that renders the same corpus as lo-static and
// the Hugo peer (bench/peers/hugo), so the three can be timed side by side. bench/bench.py runs
//   node_modules/.bin/eleventy --config=bench/peers/eleventy/eleventy.config.mjs
//     --input=CORPUS --output=OUT --quiet
// with BENCH_PEER_DIR set to this folder. The corpus is used as it is: nothing here edits it.
import path from "node:path";

const peer = process.env.BENCH_PEER_DIR;
const corpus = path.resolve(process.env.BENCH_CORPUS);

/** A page's section: the first folder of its address ("" for the home page). */
function sectionOf(url) {
  const parts = String(url || "").split("/").filter(Boolean);
  return parts.length > 1 || (parts.length === 1 && url.endsWith("/")) ? parts[0] : "";
}

export default function (eleventyConfig) {
  // Only the Markdown pages are templates (site.yaml, glossary.yaml and images are lo-static's),
  // and the section lists below (Nunjucks; the corpus has no .njk files).
  eleventyConfig.setTemplateFormats(["md", "njk"]);
  // Each page's section (its first folder), for the navigation, breadcrumbs and section lists.
  eleventyConfig.addGlobalData("eleventyComputed", {
    // Every page where lo-static puts it (`a/b.md` at /a/b/; Eleventy's own rule would put
    // `a/a.md` at /a/, where the section list goes); the section lists at /section/.
    permalink: (data) => {
      if (data.section_list) return `/${data.section_list.name}/index.html`;
      const rel = path.relative(corpus, path.resolve(data.page.inputPath)).replace(/\.md$/, "");
      return rel === "index" ? "/index.html" : `/${rel}/index.html`;
    },
    section: (data) => sectionOf(data.page.url),
    layout: (data) => {
      if (data.section_list) return "section.njk";
      return data.page.url === "/" ? "home.njk" : "page.njk";
    },
  });
  eleventyConfig.addCollection("sections", (api) => {
    const sections = new Map();
    for (const item of api.getAll()) {
      const name = sectionOf(item.page.url);
      if (!name || item.page.url === `/${name}/`) continue;
      if (!sections.has(name)) sections.set(name, []);
      sections.get(name).push(item);
    }
    return [...sections.keys()].sort().map((name) => ({
      name,
      title: name.charAt(0).toUpperCase() + name.slice(1).replaceAll("-", " "),
      pages: sections.get(name).sort((a, b) => String(a.data.title).localeCompare(String(b.data.title))),
    }));
  });
  // One list page per section, as Hugo makes (its pages by title, with their summaries).
  eleventyConfig.addTemplate(
    "bench-sections.njk",
    "",
    {
      pagination: { data: "collections.sections", size: 1, alias: "section_list" },
      eleventyComputed: { title: (data) => data.section_list.title, section: (data) => data.section_list.name },
    },
  );
  return {
    dir: {
      // Layouts live here, not in the corpus: a path relative to the corpus, as Eleventy wants.
      includes: path.relative(corpus, path.join(peer, "_includes")),
    },
    // Markdown is Markdown only, as in lo-static and Hugo: never run as a Liquid template.
    markdownTemplateEngine: false,
  };
}
