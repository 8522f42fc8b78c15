#!/usr/bin/env python3
"""Drives the console in a real browser (Debian's chromium through chromium-driver, Selenium from PyPI) against a
running `zhengshu serve --demo`: a provider creates, publishes and loads a resource; a consumer, in a second
browser session, finds it by a Chinese search and applies; the bureau passes the compliance review and the provider
approves; the consumer sees the grant; the cockpit's charts render. A failed step saves a screenshot.

    python3 Tests/Browser/console_test.py http://127.0.0.1:18080 --artifacts DIR [--screenshots docs/screenshots]
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time
import traceback

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

PASSWORDS = {"admin": "Demo-Admin-2026", "ga.provider": "Demo-Provider-2026", "mz.consumer": "Demo-Consumer-2026"}


def browser():
    options = webdriver.ChromeOptions()
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1366,768", "--lang=zh-CN"):
        options.add_argument(flag)
    options.add_experimental_option("prefs", {"intl.accept_languages": "zh-CN,zh"})
    binary = next((p for p in ("/usr/bin/chromium", "/usr/bin/chromium-browser") if os.path.exists(p)), None)
    if binary:
        options.binary_location = binary
    driver = next((p for p in ("/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver") if os.path.exists(p)), None)
    return webdriver.Chrome(service=Service(driver) if driver else None, options=options)


class Flow:
    def __init__(self, base, artifacts):
        self.base = base.rstrip("/")
        self.artifacts = artifacts
        self.sessions = {}
        self.step = "start"

    def session(self, user):
        """One browser per user: separate cookie jars, as separate people at separate desks."""
        if user not in self.sessions:
            d = browser()
            self.sessions[user] = d
            d.get(self.base + "/login")
            d.find_element(By.ID, "name").send_keys(user)
            d.find_element(By.ID, "password").send_keys(PASSWORDS[user])
            d.find_element(By.ID, "login-submit").click()
            self.wait(d).until(EC.presence_of_element_located((By.ID, "logout")))
        return self.sessions[user]

    def wait(self, d, seconds=30):
        return WebDriverWait(d, seconds)

    def go(self, d, path):
        d.get(self.base + path)

    def shoot(self, d, name):
        os.makedirs(self.artifacts, exist_ok=True)
        path = os.path.join(self.artifacts, name + ".png")
        d.save_screenshot(path)
        return path

    def close(self):
        for d in self.sessions.values():
            d.quit()


def citizen_id(seed):
    """A valid GB 11643 number (checksum per the standard) that differs run to run."""
    body = f"330102{1970 + seed % 40}{1 + seed % 12:02d}{1 + seed % 28:02d}{seed % 1000:03d}"
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return body + "10X98765432"[sum(int(c) * w for c, w in zip(body, weights)) % 11]


def run(flow, screenshots):
    stamp = time.strftime("%H%M%S")
    code = f"GA-LD-{stamp}"
    name = f"流动人口居住登记信息{stamp}"

    flow.step = "sign-in is refused with a wrong password and the form keeps the name"
    d = browser()
    try:
        d.get(flow.base + "/login")
        d.find_element(By.ID, "name").send_keys("ga.provider")
        d.find_element(By.ID, "password").send_keys("not-the-password")
        d.find_element(By.ID, "login-submit").click()
        problem = flow.wait(d).until(EC.presence_of_element_located((By.ID, "login-problem")))
        assert "错误" in problem.text, problem.text
        assert d.find_element(By.ID, "name").get_attribute("value") == "ga.provider"
    finally:
        d.quit()

    flow.step = "provider creates a resource"
    p = flow.session("ga.provider")
    nav = [a.text for a in p.find_elements(By.CSS_SELECTOR, "header nav a")]
    assert "新建资源" in nav and "我的申请" not in nav, nav   # a provider only: no consumer pages
    flow.go(p, "/catalog/new")
    p.find_element(By.ID, "code").send_keys(code)
    p.find_element(By.ID, "rname").send_keys(name)
    p.find_element(By.ID, "abstract").send_keys("本市流动人口居住登记的身份与联系信息，每日更新。")
    Select(p.find_element(By.ID, "category")).select_by_visible_text("人口")
    Select(p.find_element(By.ID, "shareType")).select_by_value("conditional")
    p.find_element(By.ID, "shareCondition").send_keys("用于社会救助、社会保障等法定职责")
    items = [("citizen_id", "公民身份号码", "citizen_id", True), ("name", "姓名", None, False), ("sex", "性别", "sex", False),
             ("address", "户籍地址", None, False)]
    for k, (item, label, element, key) in enumerate(items):
        p.find_element(By.ID, f"item{k}-name").send_keys(item)
        p.find_element(By.ID, f"item{k}-label").send_keys(label)
        if element:
            Select(p.find_element(By.ID, f"item{k}-element")).select_by_value(element)
        if key:
            p.find_element(By.ID, f"item{k}-key").click()
    p.find_element(By.ID, "create").click()
    flow.wait(p).until(EC.presence_of_element_located((By.ID, "publish")))
    assert name in p.find_element(By.ID, "resource-name").text

    flow.step = "provider publishes it"
    p.find_element(By.ID, "publish").click()
    flow.wait(p).until(EC.presence_of_element_located((By.ID, "upload-link")))
    assert p.find_element(By.ID, "resource-status").text == "已发布"

    flow.step = "provider uploads a CSV (datagen population rows) and watches the job finish"
    rows = 2000
    assert os.environ.get("ZHENGSHU_DATAGEN"), "set ZHENGSHU_DATAGEN to shared/datagen/datagen.py"
    csv = os.path.join(tempfile.mkdtemp(), "liudong.csv")
    with open(csv, "wb") as f:
        f.write(subprocess.run([sys.executable, os.environ["ZHENGSHU_DATAGEN"], "population", "--rows", str(rows), "--seed", "11"],
                               check=True, capture_output=True).stdout)
    p.find_element(By.ID, "upload-link").click()
    p.find_element(By.ID, "upload-file").send_keys(csv)
    p.find_element(By.ID, "map").send_keys("gmsfhm=citizen_id\nxm=name\nxb=sex\nhjdz=address")
    p.find_element(By.ID, "upload-submit").click()
    state = flow.wait(p, 120).until(lambda d: d.find_element(By.ID, "upload-state").get_attribute("data-status") in ("succeeded", "failed")
                                    and d.find_element(By.ID, "upload-state"))
    assert state.get_attribute("data-status") == "succeeded", p.find_element(By.ID, "upload-problem").text
    status = p.find_element(By.ID, "upload-status").text
    assert f"入库 {rows} 行" in status, status
    assert p.find_element(By.ID, "upload-bar").value_of_css_property("width") != "0px"
    p.find_element(By.ID, "upload-job").click()
    assert flow.wait(p).until(EC.presence_of_element_located((By.ID, "job-status"))).get_attribute("data-status") == "succeeded"

    flow.step = "provider runs the quality rules and sees the score and a masked sample"
    flow.go(p, f"/catalog/{code}")
    flow.wait(p).until(EC.presence_of_element_located((By.ID, "run-quality"))).click()
    quality = flow.wait(p).until(EC.presence_of_element_located((By.CSS_SELECTOR, "#quality table"))).text
    assert "完整性" in quality, quality
    sample = p.find_element(By.ID, "sample").text
    assert "*" in sample, sample   # citizen IDs are masked on the page

    flow.step = "consumer finds it by a Chinese search and applies"
    c = flow.session("mz.consumer")
    flow.go(c, "/catalog")
    c.find_element(By.ID, "q").send_keys("流动人口")
    c.find_element(By.ID, "search-submit").click()
    # The results page (the unfiltered list before it may show the resource too).
    flow.wait(c).until(lambda d: "q=" in d.current_url)
    results = flow.wait(c).until(EC.presence_of_element_located((By.ID, "results")))
    assert name in results.text, results.text
    flow.wait(c).until(EC.element_to_be_clickable((By.LINK_TEXT, name))).click()
    flow.wait(c).until(EC.presence_of_element_located((By.ID, "apply-link"))).click()
    for item in ("citizen_id", "name"):
        c.find_element(By.CSS_SELECTOR, f"input[name=items][value={item}]").click()
    c.find_element(By.CSS_SELECTOR, "input[name=services][value=verify]").click()
    # Without a purpose the platform refuses, and what was chosen is kept.
    c.find_element(By.ID, "legalBasis").send_keys("《社会救助暂行办法》第十一条")
    c.execute_script("document.getElementById('purpose').removeAttribute('required')")
    c.find_element(By.ID, "apply-submit").click()
    flow.wait(c).until(EC.presence_of_element_located((By.ID, "problem")))
    assert c.find_element(By.CSS_SELECTOR, "input[name=items][value=citizen_id]").is_selected()
    assert c.find_element(By.ID, "legalBasis").get_attribute("value") == "《社会救助暂行办法》第十一条"
    c.find_element(By.ID, "purpose").send_keys("最低生活保障申请人居住情况核验")
    c.find_element(By.ID, "apply-submit").click()
    created = flow.wait(c).until(EC.presence_of_element_located((By.ID, "created")))
    application = created.text.split("#")[-1].strip()
    assert application.isdigit(), created.text

    flow.step = "the bureau passes the compliance review"
    a = flow.session("admin")
    flow.go(a, "/applications?box=inbox")
    flow.wait(a).until(EC.presence_of_element_located((By.ID, f"approve-{application}"))).click()
    flow.wait(a).until(EC.presence_of_element_located((By.ID, "decided")))

    flow.step = "the provider approves in its inbox"
    flow.go(p, "/applications?box=inbox")
    # A rejection needs a reason: refused, nothing decided.
    flow.wait(p).until(EC.presence_of_element_located((By.ID, f"reject-{application}"))).click()
    flow.wait(p).until(EC.presence_of_element_located((By.CSS_SELECTOR, f"#application-{application} .problem")))
    if screenshots:
        flow.go(p, "/applications?box=inbox")
        flow.wait(p).until(EC.presence_of_element_located((By.ID, f"approve-{application}")))
        p.save_screenshot(os.path.join(screenshots, "approvals-inbox.png"))
    flow.wait(p).until(EC.presence_of_element_located((By.ID, f"approve-{application}"))).click()
    flow.wait(p).until(EC.presence_of_element_located((By.ID, "decided")))

    flow.step = "the consumer sees the grant"
    flow.go(c, "/applications?box=mine")
    row = flow.wait(c).until(EC.presence_of_element_located((By.ID, f"application-{application}")))
    assert row.find_element(By.CSS_SELECTOR, ".status").get_attribute("data-status") == "granted", row.text
    flow.go(c, "/grants")
    grants = flow.wait(c).until(EC.presence_of_element_located((By.ID, "grants"))).text
    assert code in grants, grants

    flow.step = "the cockpit's charts render"
    flow.go(a, "/")
    for chart in ("chart-categories", "chart-calls", "chart-quality", "chart-freshness"):
        svg = flow.wait(a).until(EC.presence_of_element_located((By.CSS_SELECTOR, f"#{chart} svg")))
        bars = svg.find_elements(By.CSS_SELECTOR, "rect.bar")
        assert bars and svg.size["height"] > 0, f"{chart} has no bars"
    backups = a.find_element(By.ID, "backups").text
    if os.environ.get("ZHENGSHU_EXPECT_BACKUP"):   # CI's demo server runs scheduled backups
        assert "成功" in backups and ".zsbackup" in backups, backups
    if screenshots:
        a.save_screenshot(os.path.join(screenshots, "cockpit.png"))
        flow.go(p, "/catalog/RK-330100-0001")
        flow.wait(p).until(EC.presence_of_element_located((By.ID, "sample")))
        p.save_screenshot(os.path.join(screenshots, "resource.png"))

    flow.step = "the bureau reads a department's monthly performance report"
    flow.go(a, "/performance")
    link = flow.wait(a).until(EC.presence_of_element_located((By.CSS_SELECTOR, "a[href^='/performance/']")))
    link.click()
    score = flow.wait(a).until(EC.presence_of_element_located((By.ID, "score"))).text
    rows = a.find_elements(By.CSS_SELECTOR, "#indicators tbody tr")
    assert len(rows) == 8, f"{len(rows)} indicators"
    assert score == "—" or 0 <= float(score) <= 100, score
    if screenshots:
        a.save_screenshot(os.path.join(screenshots, "performance-report.png"))
    flow.go(a, "/inventory")
    flow.wait(a).until(EC.presence_of_element_located((By.TAG_NAME, "table")))

    flow.step = "the bureau materialises its topic database and finds it in the catalog"
    flow.go(a, "/topics")
    row = flow.wait(a).until(EC.presence_of_element_located((By.ID, "topic-ZT-330000-0001")))
    assert "FR-330100-0001" in row.text and "RK-330100-0001" in row.text, row.text
    a.find_element(By.ID, "materialise-ZT-330000-0001").click()
    flow.wait(a).until(lambda d: "/jobs/" in d.current_url)
    if screenshots:
        a.save_screenshot(os.path.join(screenshots, "topic-job.png"))
    flow.go(a, "/catalog/ZT-330000-0001")
    flow.wait(a).until(EC.presence_of_element_located((By.TAG_NAME, "h1")))
    assert "企业法人信用主题库" in a.find_element(By.TAG_NAME, "h1").text, a.find_element(By.TAG_NAME, "h1").text

    flow.step = "the public browses open data without signing in"
    public = browser()
    flow.sessions["public"] = public
    flow.go(public, "/open")
    first = flow.wait(public).until(EC.presence_of_element_located((By.CSS_SELECTOR, "#results .result h3 a")))
    first.click()
    flow.wait(public).until(EC.presence_of_element_located((By.ID, "items")))
    assert public.find_element(By.ID, "download-csv").get_attribute("href").endswith("/download.csv")
    assert "/login" not in public.current_url, public.current_url
    if screenshots:
        public.save_screenshot(os.path.join(screenshots, "open-dataset.png"))

    flow.step = "a person registers on the portal and applies for data open on condition"
    member = f"m{stamp}"
    flow.go(public, "/open")
    public.find_element(By.CSS_SELECTOR, "#conditional #register-link").click()
    flow.wait(public).until(EC.presence_of_element_located((By.ID, "register-form")))
    public.find_element(By.ID, "displayName").send_keys("王五")
    public.find_element(By.ID, "identifier").send_keys(citizen_id(int(stamp)))
    public.find_element(By.ID, "contact").send_keys("13700001111")
    public.find_element(By.ID, "name").send_keys(member)
    public.find_element(By.ID, "password").send_keys("Member-Pass-1")
    public.find_element(By.ID, "register-submit").click()
    flow.wait(public).until(EC.presence_of_element_located((By.ID, "registered")))
    public.find_element(By.ID, "name").send_keys(member)
    public.find_element(By.ID, "password").send_keys("Member-Pass-1")
    public.find_element(By.ID, "login-submit").click()
    flow.wait(public).until(EC.presence_of_element_located((By.ID, "member")))
    nav = [a.get_attribute("href").split("/", 3)[-1] for a in public.find_elements(By.CSS_SELECTOR, "header nav a")]
    assert nav == ["open", "open/mine"], nav
    flow.go(public, "/open/datasets/FR-330100-0001")
    flow.wait(public).until(EC.presence_of_element_located((By.ID, "apply-link"))).click()
    boxes = flow.wait(public).until(EC.presence_of_all_elements_located((By.CSS_SELECTOR, "#apply-form input[name=items]")))
    for box in boxes[:2]:
        box.click()
    public.find_element(By.ID, "purpose").send_keys("核实合作企业的登记状态")
    public.find_element(By.ID, "legalBasis").send_keys("企业信用查询")
    public.find_element(By.ID, "apply-submit").click()
    row = flow.wait(public).until(EC.presence_of_element_located((By.CSS_SELECTOR, "#applications tr[data-status=review]")))
    assert "FR-330100-0001" in row.text, row.text
    if screenshots:
        public.save_screenshot(os.path.join(screenshots, "open-mine.png"))

    flow.step = "the consumer analyses in its sandbox; the provider approves the aggregate's release"
    flow.go(c, "/sandbox")
    flow.wait(c).until(EC.presence_of_element_located((By.ID, "workspace-form")))
    c.find_element(By.ID, "workspace-name").send_keys("浏览器测试工作区")
    c.find_element(By.CSS_SELECTOR, "#workspace-form input[name=grants]").click()
    c.find_element(By.ID, "create-workspace").click()
    status = flow.wait(c).until(EC.presence_of_element_located((By.ID, "workspace-status"))).text
    assert status == "可用", status
    sql = c.find_element(By.ID, "sql")
    sql.clear()
    sql.send_keys("ATTACH DATABASE '/tmp/x.sqlite' AS x")
    c.find_element(By.ID, "run-query").click()
    error = flow.wait(c).until(EC.presence_of_element_located((By.ID, "query-error"))).text
    assert "SELECT" in error, error
    sql = c.find_element(By.ID, "sql")
    sql.clear()
    sql.send_keys("SELECT sex, count(*) AS n FROM rk_330100_0001 GROUP BY sex ORDER BY sex")
    c.find_element(By.ID, "run-query").click()
    table = flow.wait(c).until(EC.presence_of_element_located((By.ID, "result-table"))).text
    assert "sex" in table and "n" in table, table
    if screenshots:
        c.save_screenshot(os.path.join(screenshots, "sandbox.png"))
    c.find_element(By.ID, "purpose").send_keys("辖区人口性别结构统计")
    c.find_element(By.ID, "request-release").click()
    flow.wait(c).until(EC.presence_of_element_located((By.ID, "requested")))
    release = c.find_elements(By.CSS_SELECTOR, "#release-list tbody tr")[0].get_attribute("id").split("-")[-1]
    flow.go(p, "/sandbox")
    flow.wait(p).until(EC.presence_of_element_located((By.ID, f"approve-{release}"))).click()
    # The decision is in once the page after the form no longer offers it.
    flow.wait(p).until(lambda d: d.find_elements(By.ID, f"release-{release}") and not d.find_elements(By.ID, f"approve-{release}"))
    flow.go(c, "/sandbox")
    link = flow.wait(c).until(EC.presence_of_element_located((By.ID, f"download-{release}"))).get_attribute("href")
    csv = c.execute_async_script("const done = arguments[arguments.length - 1];"
                                 "fetch(arguments[0]).then(r => r.text().then(t => done(r.status + '\\n' + t)));", link)
    assert csv.startswith("200\nsex,n"), csv

    flow.step = "English and sign-out"
    flow.go(c, "/grants?lang=en")
    assert "Grants" in c.find_element(By.TAG_NAME, "h1").text
    c.find_element(By.ID, "logout").click()
    flow.wait(c).until(EC.presence_of_element_located((By.ID, "login-submit")))
    flow.go(c, "/grants")
    assert "/login" in c.current_url, c.current_url


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("base")
    parser.add_argument("--artifacts", default="browser-artifacts")
    parser.add_argument("--screenshots", help="write the README's screenshots here")
    args = parser.parse_args()
    flow = Flow(args.base, args.artifacts)
    try:
        run(flow, args.screenshots)
    except Exception:
        traceback.print_exc()
        for user, d in flow.sessions.items():
            print(f"failed at step '{flow.step}': screenshot {flow.shoot(d, 'failed-' + user)} ({d.current_url})")
        flow.close()
        return 1
    flow.close()
    print("console browser test passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
