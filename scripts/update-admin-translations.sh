#!/usr/bin/env bash
# The teachers' pages' text has its own gettext domain, so that the learner side's translators
# and the admin side's never edit the same file. Collect it into webui/locale/admin.pot and merge
# it into every language's admin.po; tests/unit/admin/test_admin_translations.py fails while any
# text is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
PYBABEL=${PYBABEL:-.venv/bin/pybabel}
"$PYBABEL" extract -F babel-admin.cfg --no-location --sort-output --omit-header \
  -k message:2 -k translate:2 -k NotFound -k BadRequest -k Unauthorized -k Forbidden \
  -k UsernameTaken -k SetupDone -k Column -k Table:2 \
  -o webui/locale/admin.pot .
for lang in es fr ar uk; do
  po=webui/locale/$lang/LC_MESSAGES/admin.po
  if [ -f "$po" ]; then
    # Keep the header: it carries the language's plural rule (Arabic has six forms).
    "$PYBABEL" update --no-fuzzy-matching -D admin -i webui/locale/admin.pot -o "$po" -l "$lang"
  else
    mkdir -p "$(dirname "$po")"
    "$PYBABEL" init -D admin -i webui/locale/admin.pot -o "$po" -l "$lang"
  fi
done
