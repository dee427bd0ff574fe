#!/usr/bin/env bash
# Collect the interface's text into webui/locale/hubd.pot and merge it into every language's
# .po file. Translators then edit webui/locale/<lang>/LC_MESSAGES/hubd.po; the hub compiles the
# catalogues when it starts, so there is no build step. A test fails while any text is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
PYBABEL=${PYBABEL:-.venv/bin/pybabel}
"$PYBABEL" extract -F babel.cfg --no-location --sort-output --omit-header \
  -k translate:2 -k NotFound -k BadRequest -k Unauthorized -k Forbidden -k PayloadTooLarge \
  -o webui/locale/hubd.pot .
for lang in es fr ar uk; do
  po=webui/locale/$lang/LC_MESSAGES/hubd.po
  if [ -f "$po" ]; then
    # Keep the header: it carries the language's plural rule (Arabic has six forms).
    "$PYBABEL" update --no-fuzzy-matching -i webui/locale/hubd.pot -o "$po" -l "$lang"
  else
    mkdir -p "$(dirname "$po")"
    "$PYBABEL" init -i webui/locale/hubd.pot -o "$po" -l "$lang"
  fi
done
