// Every page a role's menu leads to, and the public pages, at 1280 and 375 px.
import * as h from "./harness.mjs";

const PASSWORD = "Demo1234";

export async function publicPages() {
  const v = await h.actor("visitor");
  const cert = h.sql("SELECT number FROM certificates ORDER BY id LIMIT 1");
  const pages = ["/", "/catalog", "/catalog?q=数学", "/rules", "/verify", "/register/learner", "/register/institution", "/login/learner", "/login/institution", "/password/forgot", "/agreement", "/pledge"];
  if (cert) pages.push(`/verify?number=${cert}`);
  for (const p of pages) await h.go(v, p, p.replace(/[/?=&]+/g, "_") || "home");
  await v.context.close();
}

async function menuOf(name, role, login) {
  const a = await h.actor(name);
  await h.signIn(a, role, login, PASSWORD);
  const links = await a.page.locator("nav.menu a").evaluateAll((els) => els.map((e) => e.getAttribute("href")));
  for (const href of links) await h.go(a, href, href.split("/").filter(Boolean).join("_"));
  await a.context.close();
}

export async function everyMenu() {
  await menuOf("menu-learner", "learner", "440106199001011235");
  await menuOf("menu-institution", "institution", "4144051234");
  await menuOf("menu-subuser", "institution", "gdou_chengguo");
  await menuOf("menu-target-school", "institution", "4144051235");
  await menuOf("menu-department", "department", "gd_edu");
  await menuOf("menu-center", "department", "center_admin");
  await menuOf("menu-expert", "expert", "expert01");
}
