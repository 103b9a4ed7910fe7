#!/usr/bin/env bash
# Renders the pictures README and the docs/ pages show: two seed articles with the annotations in demo-annotations.jsonl
# (sara's), a span's right-click menu, the label editor, the review mode with a second annotator's layer (demo-review.jsonl, minji's), and the
# agreement charts.
# docs/suggestions.png is a real display's picture (Xvfb, openbox, xcb): the window started on the
# same database with Suggestions → Learn from… sara's layer, the pointer on a suggestion, taken with
# ImageMagick's `import -window root` once the recommenders had learned.
# docs/queue.png, docs/progress.png and docs/report.png are a real project's pictures (issue 24): a team database
# (PostgreSQL 15), the seeds assigned by the lead reza with `assign --to sara,minji,ali --overlap 2`, each member's
# window on Xvfb with openbox (xcb) driven with xdotool, the lead's review and View → Progress, and the
# report (`annotator report`) shot in Debian's Chromium, headless.
#   bash docs/screenshots.sh          (uses .venv/bin/annotator)
set -euo pipefail
cd "$(dirname "$0")/.."
annotator=${ANNOTATOR:-.venv/bin/annotator}
db=$(mktemp -d)/demo.db
export QT_QPA_PLATFORM=offscreen
"$annotator" import --db "$db" seeds docs/demo-annotations.jsonl
"$annotator" screenshot --db "$db" --annotator sara --doc 000_b57cd57af517ef66 --out docs/persian.png --size 1400x860
"$annotator" screenshot --db "$db" --annotator sara --doc 002_26049669d35f669e --out docs/korean.png --size 1400x860
"$annotator" screenshot --db "$db" --annotator sara --doc 000_b57cd57af517ef66 --out docs/span-menu.png --size 1400x860 \
  --show span-menu
"$annotator" screenshot --db "$db" --annotator sara --doc 000_b57cd57af517ef66 --out docs/labels.png --show labels
"$annotator" import --db "$db" docs/demo-review.jsonl
"$annotator" adjudicate --db "$db" --auto --reviewer leila
"$annotator" screenshot --db "$db" --annotator leila --review --doc 000_b57cd57af517ef66 --out docs/review.png --size 1400x900
"$annotator" agreement --db "$db" --charts docs > /dev/null
