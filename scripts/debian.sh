#!/usr/bin/env bash
# Builds the Debian packages of debian/ (libuvws0.1, libuvws-dev,
# libuvws-redis0.1, libuvws-redis-dev, uvws-samples) and checks them as a
# user gets them: the source package and the binaries from a copy of this
# checkout (the unit tests run during the build), lintian (any error or
# warning that debian/*lintian-overrides does not explain fails), then the
# packages installed, the consumer projects of test/consumers/ built with
# find_package() and pkg-config against the installed files and run, the
# installed samples run (their interop tests, when python3-websockets is
# there), and the packages purged.
#
#   scripts/debian.sh [--no-setup] [--out DIR]
#
#   --no-setup  install nothing with apt-get but the built packages (the
#               build dependencies and lintian must be there already)
#   --out DIR   keep the packages, the build log and lintian's report in
#               DIR (by default they go to a temporary directory, removed
#               at the end)
#
# Installing and purging needs root (or password-less sudo); without it the
# packages are built and checked with lintian only. The checkout is never
# written to.
set -euo pipefail

setup=1
out=
while [ $# -gt 0 ]; do
  case "$1" in
    --no-setup) setup=0 ;;
    --out)
      [ $# -ge 2 ] || { echo "debian.sh: --out needs a directory" >&2; exit 2; }
      out=$2
      shift
      ;;
    -h|--help)
      sed -n '2,23s/^# \{0,1\}//p' "$0"
      exit 0
      ;;
    *)
      echo "debian.sh: unknown option: $1" >&2
      exit 2
      ;;
  esac
  shift
done

# shellcheck source=apt.sh
. "$(dirname "$0")/apt.sh"

cd "$(dirname "$0")/.."
start=$SECONDS
# libuvws<soversion>, libuvws-dev, libuvws-redis<soversion>,
# libuvws-redis-dev, uvws-samples
mapfile -t packages < <(sed -n 's/^Package: //p' debian/control)

step() {
  echo "== debian.sh [$((SECONDS - start)) s]: $*"
}

# apt-get, waiting for the dpkg lock rather than failing while another
# apt-get holds it.
apt_get() {
  DEBIAN_FRONTEND=noninteractive "${apt_sudo[@]}" apt-get \
    -o DPkg::Lock::Timeout=300 "$@"
}

work=$(mktemp -d)
installed=0
cleanup() {
  local status=$?
  if [ "$installed" -eq 1 ]; then
    step "purging ${packages[*]}"
    apt_get purge -y "${packages[@]}" || status=1
  fi
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT

if [ -n "$out" ]; then
  mkdir -p "$out"
  out=$(cd "$out" && pwd)
else
  out=$work
fi

can_root=1
apt_root debian.sh 2>/dev/null || can_root=0

# A uvws already installed would be replaced, then purged: refuse instead.
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
  case "$status" in
    ''|not-installed|config-files) ;;
    *)
      echo "debian.sh: $p is installed already; this script installs its" \
        "own build and purges it at the end: apt-get purge" \
        "${packages[*]} first" >&2
      exit 1
      ;;
  esac
done

# The source: what git tracks (and new files not ignored), as they are in
# the work tree, so that uncommitted changes are built too.
version=$(dpkg-parsechangelog -l debian/changelog -S Version)
upstream=${version%-*}
src=$work/uvws-$upstream
mkdir -p "$src"
git ls-files -z --cached --others --exclude-standard |
  tar --null --ignore-failed-read -T - -cf - 2>/dev/null |
  tar -xf - -C "$src"

if [ "$setup" -eq 1 ]; then
  tools=(dpkg-dev debhelper lintian)
  apt_missing "${tools[@]}"
  missing=("${apt_missing_list[@]}")
  if [ ${#missing[@]} -gt 0 ] ||
     ! (cd "$src" && dpkg-checkbuilddeps >/dev/null 2>&1); then
    step "installing the build dependencies"
    if [ "$can_root" -eq 0 ]; then
      echo "debian.sh: not root: cannot install the build dependencies" >&2
      exit 1
    fi
    apt_update
    if [ ${#missing[@]} -gt 0 ]; then
      apt_get install -y --no-install-recommends "${missing[@]}"
    fi
    apt_get build-dep -y --no-install-recommends "$src"
  fi
fi

step "building the source and binary packages in $work"
# The upstream tarball: everything but debian/.
tar -C "$work" --exclude="uvws-$upstream/debian" -cJf \
  "$work/uvws_$upstream.orig.tar.xz" "uvws-$upstream"
jobs=$(nproc 2>/dev/null || echo 2)
if ! (cd "$src" && dpkg-buildpackage -us -uc -j"$jobs") \
     > "$out/build.log" 2>&1; then
  tail -n 80 "$out/build.log" >&2
  echo "debian.sh: dpkg-buildpackage failed: $out/build.log" >&2
  exit 1
fi
grep -E '^[0-9]+% tests passed|tests failed out of' "$out/build.log" || true
if grep -q 'new symbols appeared' "$out/build.log"; then
  echo "debian.sh: the library exports symbols that debian/*.symbols does" \
    "not list yet (debian/README.source says how to refresh it):"
  grep -E '^\+ ' "$out/build.log" || true
fi
changes=$work/uvws_${version}_$(dpkg-architecture -q DEB_HOST_ARCH).changes
if [ "$out" != "$work" ]; then
  find "$work" -maxdepth 1 -type f -exec cp -t "$out" {} +
fi

step "lintian"
# Errors and warnings fail; overrides say why a warning is expected.
if ! lintian --fail-on error,warning --display-info \
     "$changes" 2>&1 |
     { grep -v '^running with root privileges' || true; } |
     tee "$out/lintian.txt"; then
  echo "debian.sh: lintian found errors or warnings" >&2
  exit 1
fi

if [ "$can_root" -eq 0 ]; then
  step "not root: the packages are built and checked, not installed"
  exit 0
fi

step "installing ${packages[*]}"
debs=()
for p in "${packages[@]}"; do
  debs+=("$work/${p}_${version}_$(dpkg-architecture -q DEB_HOST_ARCH).deb")
done
installed=1
apt_get install -y --no-install-recommends "${debs[@]}"

multiarch=$(dpkg-architecture -q DEB_HOST_MULTIARCH)
step "consumer: find_package(uvws COMPONENTS redis) against /usr"
unset CMAKE_PREFIX_PATH PKG_CONFIG_PATH
cmake -S test/consumers/find_package -B "$work/find_package" \
  -DCMAKE_BUILD_TYPE=Release -DEXPECT_REDIS=ON >/dev/null
uvws_dir=$(sed -n 's/^uvws_DIR:PATH=//p' "$work/find_package/CMakeCache.txt")
if [ "$uvws_dir" != "/usr/lib/$multiarch/cmake/uvws" ]; then
  echo "debian.sh: find_package found uvws in '$uvws_dir', not the package" >&2
  exit 1
fi
cmake --build "$work/find_package"
(cd "$work/find_package" && ctest --output-on-failure --no-tests=error)

step "consumer: pkg-config uvws and uvws_redis against /usr"
for pc in uvws uvws_redis; do
  libdir=$(pkg-config --variable=libdir "$pc")
  if [ "$libdir" != "/usr/lib/$multiarch" ]; then
    echo "debian.sh: pkg-config found $pc in '$libdir', not the package" >&2
    exit 1
  fi
done
mkdir -p "$work/pkg_config"
make -C test/consumers/pkg_config OUT="$work/pkg_config" EXPECT_REDIS=1 check

step "samples: /usr/bin/uvws-echo, /usr/bin/uvws-chat and /usr/bin/uvws-cat"
for name in uvws-echo uvws-chat uvws-cat; do
  "/usr/bin/$name" --help >/dev/null
  test -f "/usr/share/man/man1/$name.1.gz"
done
if /usr/bin/python3 -c 'import websockets' 2>/dev/null; then
  /usr/bin/python3 test/interop/test_echo_python.py /usr/bin/uvws-echo
  /usr/bin/python3 test/interop/test_chat_python.py /usr/bin/uvws-chat
  /usr/bin/python3 test/interop/test_cat_echo.py /usr/bin/uvws-cat \
    /usr/bin/uvws-echo
  # wss:// (the packages build with TLS): certificates from the openssl
  # command.
  if command -v openssl >/dev/null 2>&1; then
    /usr/bin/python3 test/interop/test_echo_python_tls.py /usr/bin/uvws-echo
  fi
else
  echo "debian.sh: no python3-websockets: the samples' interop tests" \
    "are skipped"
fi

if [ "$out" = "$work" ]; then
  step "done (--out DIR keeps the packages)"
else
  step "done: packages in $out"
fi
