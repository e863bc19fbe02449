#!/bin/sh
# Harvester: an example Gridlock bot in plain POSIX shell (sh, sed, grep, awk; no jq), speaking
# the JSON-lines protocol of docs/bot-protocol.md. It builds nothing: each quarter it sells the
# capacity it already runs, in every region where it has an online hall with accelerators, at
# 90% of the price index. A template for a bot in a language without a JSON library: Gridlock
# writes compact JSON, one message per line, with "type" first and the envelope keys
# ("company", "quarter") before the body, so plain pattern matching finds them.
#
# Run it in a game:  gridlock run --scenario tutorial --seat nebula=cmd:"sh examples/bots/harvester.sh"

PRICE_FACTOR=0.9
company=""

while IFS= read -r line; do
  case "$line" in
    '{"type":"hello"'*)
      company=$(printf '%s\n' "$line" | sed 's/^[^}]*"company":"\([^"]*\)".*/\1/')
      echo "harvester: playing $company" >&2
      ;;
    '{"type":"view"'*)
      quarter=$(printf '%s\n' "$line" | sed 's/^[^}]*"quarter":"\([^"]*\)".*/\1/')
      index=$(printf '%s\n' "$line" | grep -o '"price_index":[0-9.eE+-]*' | head -n 1 | cut -d: -f2)
      price=$(awk -v p="$index" -v f="$PRICE_FACTOR" 'BEGIN { printf "%.4f", p * f }')
      # my online sites with accelerators installed (the only objects with these keys in this order)
      regions=$(printf '%s\n' "$line" \
        | grep -o '"region":"[^"]*","mw":[^,]*,"cooling":"[^"]*","stage":"online","stage_quarters":[^,]*,"built_mw":[^,]*,"blocked_by":"[^"]*","expected_online":[^,]*,"installed":{"' \
        | sed 's/^"region":"\([^"]*\)".*/\1/' | sort -u)
      orders=""
      for r in $regions; do
        orders="$orders${orders:+,}{\"type\":\"offer_compute\",\"region\":\"$r\",\"price_usd_per_h100e_hour\":$price}"
      done
      printf '{"type":"orders","company":"%s","quarter":"%s","orders":[%s]}\n' "$company" "$quarter" "$orders"
      echo "$quarter: offering in $(echo $regions) at \$$price" >&2
      ;;
    '{"type":"result"'*)
      echo "harvester: game over" >&2
      exit 0
      ;;
  esac
done
