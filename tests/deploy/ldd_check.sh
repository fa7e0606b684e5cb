#!/bin/bash
# ldd_check.sh BINARY [PACKAGES_FILE]
#
# Checks that the runtime image's package list covers every shared library
# BINARY loads. Runs `ldd BINARY`, maps each resolved .so to the Debian package
# that ships it (`dpkg -S`), and fails when a package is missing from
# PACKAGES_FILE (default: deploy/docker/runtime-packages.txt). Packages that
# are always in debian:12-slim (libc6, libgcc-s1) need not be listed.
#
# Run it on Debian 12 (the release of the runtime image) with the build
# dependencies installed, as the Dockerfile's build stage and CI do: the
# package that owns a library is looked up on this machine.
#
# Exit status: 0 ok, 1 check failed, 2 usage or environment error.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"

if [[ $# -lt 1 || $# -gt 2 || "$1" == -h || "$1" == --help ]]; then
  sed -n '2,14p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
  exit 2
fi
binary="$1"
packages_file="${2:-$repo/deploy/docker/runtime-packages.txt}"

# In debian:12-slim by construction (Priority: required), never listed.
base_packages=(libc6 libgcc-s1)

for tool in ldd dpkg dpkg-query; do
  command -v "$tool" >/dev/null || { echo "ldd_check: $tool not found (Debian host needed)" >&2; exit 2; }
done
[[ -f "$binary" ]] || { echo "ldd_check: no such file: $binary" >&2; exit 2; }
[[ -f "$packages_file" ]] || { echo "ldd_check: no such file: $packages_file" >&2; exit 2; }

if [[ -r /etc/os-release ]]; then
  # shellcheck disable=SC1091
  version_id="$(. /etc/os-release && echo "${ID:-}:${VERSION_ID:-}")"
  if [[ "$version_id" != "debian:12" ]]; then
    echo "ldd_check: warning: this host is $version_id, the runtime image is debian:12;" \
         "package names may differ" >&2
  fi
fi

# --- the listed packages -------------------------------------------------
declare -A listed=() non_library=()
while IFS= read -r line || [[ -n "$line" ]]; do
  pkg="${line%%#*}"
  pkg="${pkg//[[:space:]]/}"
  [[ -z "$pkg" ]] && continue
  listed["$pkg"]=1
  [[ "$line" == *"#"*non-library* ]] && non_library["$pkg"]=1
done <"$packages_file"
if [[ ${#listed[@]} -eq 0 ]]; then
  echo "ldd_check: $packages_file lists no packages" >&2
  exit 1
fi

failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# Every listed name must be a real Debian package (catches typos and
# version bumps such as libgrpc29 -> libgrpc31). One dpkg-query for all of
# them; apt-cache only for the few not installed here.
declare -A installed=()
while read -r name status; do
  [[ "$status" == *"install ok installed"* ]] && installed["${name%%:*}"]=1
done < <(dpkg-query -W -f='${Package} ${Status}\n' "${!listed[@]}" 2>/dev/null || true)
for pkg in "${!listed[@]}"; do
  if [[ -z "${installed[$pkg]:-}" ]] && ! apt-cache show "$pkg" >/dev/null 2>&1; then
    fail "$packages_file lists '$pkg', which is not a known Debian package here"
  fi
done

# --- ldd -----------------------------------------------------------------
if ! ldd_out="$(LC_ALL=C ldd "$binary" 2>&1)"; then
  if grep -q 'not a dynamic executable' <<<"$ldd_out"; then
    echo "ldd_check: $binary is statically linked; no runtime libraries needed"
    exit 0
  fi
  echo "ldd_check: ldd failed on $binary:" >&2
  echo "$ldd_out" >&2
  exit 2
fi

# Parse ldd: "libfoo.so.1 => /path (addr)", "/lib64/ld-linux... (addr)",
# "libbar.so.2 => not found", "linux-vdso.so.1 (addr)".
libs=() paths=()
while IFS= read -r line; do
  line="${line#"${line%%[![:space:]]*}"}"
  [[ -z "$line" ]] && continue
  case "$line" in
    linux-vdso.so.* | linux-gate.so.*) continue ;;   # provided by the kernel
    *"=> not found"*)
      fail "library ${line%% *} not found on this host (ldd: $line)"
      continue ;;
    *" => "*) lib="${line%% =>*}"; path="${line#*=> }"; path="${path%% (*}" ;;
    /*) lib="${line%% (*}"; path="$lib" ;;          # the dynamic loader
    *) echo "ldd_check: unrecognised ldd line: $line" >&2; continue ;;
  esac
  libs+=("$lib")
  paths+=("$path")
done <<<"$ldd_out"

# Owner packages, in one dpkg-query. On merged-/usr systems ldd reports
# /lib/... while dpkg may have recorded /usr/lib/... (or the reverse), and a
# library may be a symlink shipped under another name: ask for every spelling.
spellings() {
  local p="$1" r
  r="$(readlink -f "$p")"
  local c
  for c in "$p" "$r"; do
    echo "$c"
    case "$c" in
      /usr/*) echo "${c#/usr}" ;;
      *) echo "/usr$c" ;;
    esac
  done
}
declare -A owner=()
if [[ ${#paths[@]} -gt 0 ]]; then
  mapfile -t queries < <(for p in "${paths[@]}"; do spellings "$p"; done | sort -u)
  # "libfoo1:amd64: /usr/lib/x86_64-linux-gnu/libfoo.so.1"; "pkg-a, pkg-b: /x"
  # for shared directories; "diversion by ..." lines are skipped.
  while IFS= read -r line; do
    [[ "$line" == "diversion "* || "$line" != *": /"* ]] && continue
    file="/${line#*: /}"
    pkg="${line%%: /*}"
    pkg="${pkg%%,*}"
    owner["$file"]="${pkg%%:*}"
  done < <(dpkg-query -S "${queries[@]}" 2>/dev/null || true)
fi

declare -A needed=() libs_of=()
nlibs=0
for i in "${!paths[@]}"; do
  lib="${libs[$i]}" path="${paths[$i]}" pkg=""
  while IFS= read -r c; do
    if [[ -n "${owner[$c]:-}" ]]; then pkg="${owner[$c]}"; break; fi
  done < <(spellings "$path")
  nlibs=$((nlibs + 1))
  if [[ -z "$pkg" ]]; then
    fail "$lib ($path) belongs to no Debian package; the runtime image cannot install it"
    continue
  fi
  needed["$pkg"]=1
  libs_of["$pkg"]+="${libs_of[$pkg]:+ }$lib"
done

# --- compare -------------------------------------------------------------
is_base() { local b; for b in "${base_packages[@]}"; do [[ "$1" == "$b" ]] && return 0; done; return 1; }

echo "ldd_check: $binary"
for pkg in $(printf '%s\n' "${!needed[@]}" | sort); do
  if is_base "$pkg"; then
    status="base image"
  elif [[ -n "${listed[$pkg]:-}" ]]; then
    status="listed"
  else
    status="MISSING"
    fail "package $pkg (for ${libs_of[$pkg]}) is not in $packages_file"
  fi
  read -r -a libs <<<"${libs_of[$pkg]}"
  shown="${libs[*]:0:3}"
  [[ ${#libs[@]} -gt 3 ]] && shown+=" (+$(( ${#libs[@]} - 3 )) more)"
  printf '  %-28s %-11s %s\n' "$pkg" "$status" "$shown"
done
for pkg in $(printf '%s\n' "${!listed[@]}" | sort); do
  [[ -n "${needed[$pkg]:-}" || -n "${non_library[$pkg]:-}" ]] && continue
  echo "  note: $pkg is listed but $binary loads nothing from it (remove it, or tag it non-library)"
done

if [[ $failures -gt 0 ]]; then
  echo "ldd_check: FAILED ($failures problem(s))"
  exit 1
fi
echo "ldd_check: OK ($nlibs libraries from ${#needed[@]} packages, all covered)"
