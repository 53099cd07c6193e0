#!/bin/sh
# Copies Digdir Designsystemet (CSS components + the digdir theme) and the Inter font from npm into
# relay/web/static/vendor/, where the app serves them; the copies are committed, so running Relay needs
# no Node. Run after changing a version in scripts/web-assets/package.json:
#   sh scripts/build_web_assets.sh        (needs node + npm; node_modules stays out of git)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
pkg="$here/web-assets"
out="$root/relay/web/static/vendor"
(cd "$pkg" && npm ci --ignore-scripts --no-audit --no-fund)
nm="$pkg/node_modules"
version() { node -p "require('$nm/$1/package.json').version"; }

rm -rf "$out" && mkdir -p "$out/fonts" "$out/licenses"
cp "$nm/@digdir/designsystemet-css/dist/src/index.css" "$out/designsystemet.css"
cp "$nm/@digdir/designsystemet-theme/brand/digdir.css" "$out/designsystemet-theme-digdir.css"
# Inter: the latin subset (æ, ø, å, é included) in the three weights the pages use, woff2 only.
: > "$out/inter.css"
for w in 400 600 700; do
  cp "$nm/@fontsource/inter/files/inter-latin-$w-normal.woff2" "$out/fonts/"
  printf "@font-face{font-family:'Inter';font-style:normal;font-display:swap;font-weight:%s;src:url(fonts/inter-latin-%s-normal.woff2) format('woff2')}\n" "$w" "$w" >> "$out/inter.css"
done
cp "$nm/@digdir/designsystemet-css/LICENSE" "$out/licenses/designsystemet-css.LICENSE"
cp "$nm/@digdir/designsystemet-theme/LICENSE" "$out/licenses/designsystemet-theme.LICENSE"
cp "$nm/@fontsource/inter/LICENSE" "$out/licenses/inter.LICENSE"
cat > "$out/VERSIONS" <<VERSIONS
@digdir/designsystemet-css $(version @digdir/designsystemet-css) MIT  -> designsystemet.css (dist/src/index.css)
@digdir/designsystemet-theme $(version @digdir/designsystemet-theme) MIT  -> designsystemet-theme-digdir.css (brand/digdir.css)
@fontsource/inter $(version @fontsource/inter) OFL-1.1  -> fonts/inter-latin-{400,600,700}-normal.woff2, inter.css
Built by scripts/build_web_assets.sh from scripts/web-assets/package-lock.json; licences in licenses/.
VERSIONS
echo "vendor assets written to $out"
