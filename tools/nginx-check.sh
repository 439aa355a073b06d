#!/bin/sh
# Runs the nginx configuration of docs/nginx.md (plain HTTP on loopback instead of TLS, its cache
# and logs in a temporary directory) in front of a running portal, and checks what it caches:
# public pages are a MISS then a HIT, the suggestions form and the admin area never are; searches
# (any request with words) are limited per client, other pages are not.
#   PORTAL=127.0.0.1:3000 PORT=8088 tools/nginx-check.sh
set -eu
PORTAL=${PORTAL:-127.0.0.1:3000}
PORT=${PORT:-8088}
root=$(cd "$(dirname "$0")/.." && pwd)
dir=$(mktemp -d)
mkdir -p "$dir/logs" "$dir/cache" "$dir/tmp"
# nginx's workers run as an unprivileged user: they write the cache and temporary files.
chmod 755 "$dir"
chmod 1777 "$dir/cache" "$dir/tmp"
awk '/^```nginx/{f=1;next} /^```/{f=0} f' "$root/docs/nginx.md" > "$dir/portal.conf"
sed -i \
  -e "s#listen 443 ssl http2;#listen 127.0.0.1:$PORT;#" \
  -e '/ssl_certificate/d' \
  -e "s#listen 80;#listen 127.0.0.1:$((PORT + 1));#" \
  -e "s#/var/cache/nginx/portal#$dir/cache#" \
  -e "s#/var/log/nginx/portal.log#$dir/logs/access.log#" \
  -e "s#server 127.0.0.1:3000;#server $PORTAL;#" \
  "$dir/portal.conf"
cat > "$dir/nginx.conf" <<CONF
error_log $dir/logs/error.log;
pid $dir/nginx.pid;
events {}
http {
  include /etc/nginx/mime.types;
  client_body_temp_path $dir/tmp/body;
  proxy_temp_path $dir/tmp/proxy;
  include $dir/portal.conf;
}
CONF
nginx -t -q -p "$dir" -c "$dir/nginx.conf"
nginx -p "$dir" -c "$dir/nginx.conf"
trap 'kill "$(cat "$dir/nginx.pid")" 2>/dev/null; rm -rf "$dir"' EXIT
for i in 1 2 3 4 5 6 7 8 9 10; do curl -s -o /dev/null "http://127.0.0.1:$PORT/healthz" && break; sleep 0.2; done

failures=0
status() { curl -s -o /dev/null -D - "http://127.0.0.1:$PORT$1" | tr -d '\r' | awk -F': ' 'tolower($1) == "x-cache-status" { print $2 }'; }
# One line a check: ok, or FAIL (counted), then what was checked.
report() { if [ "$1" = ok ]; then echo "ok   $2"; else echo "FAIL $2"; failures=$((failures + 1)); fi; }
expect() {
  got=$(status "$1")
  if [ "$got" = "$2" ]; then report ok "$1: ${got:-(not cached)}"; else report fail "$1: expected ${2:-(not cached)}, got ${got:-(not cached)}"; fi
}
for page in /fr/ "/ar/search?q=%D8%A7%D9%84%D8%B1%D8%B4%D9%88%D8%A9" /fr/publications; do
  expect "$page" MISS
  expect "$page" HIT
done
expect /fr/suggestions ""
expect /fr/suggestions ""
expect /admin ""
# Searches are limited per client (5 a second, bursts of 20), wherever they run; other pages are not.
limited() { n=0; for i in $(seq 1 40); do code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT$1$i"); [ "$code" = 429 ] && n=$((n + 1)); done; echo "$n"; }
for base in "/api/items?q=rapport" "/fr/search?q=rapport" "/fr/items/0123456789abcdef?q=rapport"; do
  n=$(limited "$base")
  if [ "$n" -gt 0 ]; then report ok "$base…: $n of 40 answered 429"; else report fail "$base…: none of 40 answered 429"; fi
done
n=$(limited "/fr/publications?page=")
if [ "$n" -eq 0 ]; then report ok "/fr/publications?page=…: not limited"; else report fail "/fr/publications?page=…: $n of 40 answered 429"; fi
echo "access log (no query strings, no addresses):"
sed 's/^/  /' "$dir/logs/access.log"
[ "$failures" -eq 0 ]
