#!/usr/bin/env bash
# Sets uvws's version everywhere it is written down, all at once:
# CMakeLists.txt's project(VERSION), the UVWS_VERSION_* macros of
# include/uvws.h and a new debian/changelog entry (NEW-1). When the SONAME
# changes (the minor version while 0.x, the major one from 1.0 on), the
# shared libraries' packages are renamed with it (libuvws0.1 to libuvws0.2,
# libuvws-redis0.1 to libuvws-redis0.2: debian/control and the
# debian/libuvws<soversion>.* and libuvws-redis<soversion>.* files), and
# their symbols files are restarted at NEW. The overrides of lintian's tag
# for a first upload go. CHANGELOG.md is left to the release.
#
#   scripts/bump-version.sh NEW     e.g. 0.2.0
#   scripts/bump-version.sh --check the three agree, and the library's
#                                   package is named after the SONAME
#
# debian/changelog's entry is signed by DEBFULLNAME <DEBEMAIL> when both
# are set, else by whoever signed the entry before.
set -euo pipefail

cd "$(dirname "$0")/.."

usage() {
  sed -n '2,16s/^# \{0,1\}//p' "$0"
}

[ $# -eq 1 ] || { usage >&2; exit 2; }
case "$1" in
  -h|--help) usage; exit 0 ;;
esac

cmake_version() {
  sed -n 's/^project(uvws VERSION \([0-9.]*\) .*/\1/p' CMakeLists.txt
}

header_version() {
  local major minor patch string
  major=$(sed -n 's/^#define UVWS_VERSION_MAJOR \([0-9]*\)$/\1/p' include/uvws.h)
  minor=$(sed -n 's/^#define UVWS_VERSION_MINOR \([0-9]*\)$/\1/p' include/uvws.h)
  patch=$(sed -n 's/^#define UVWS_VERSION_PATCH \([0-9]*\)$/\1/p' include/uvws.h)
  string=$(sed -n 's/^#define UVWS_VERSION_STRING "\(.*\)"$/\1/p' include/uvws.h)
  if [ "$string" != "$major.$minor.$patch" ]; then
    echo "UVWS_VERSION_STRING \"$string\" is not $major.$minor.$patch"
  else
    echo "$string"
  fi
}

debian_version() {
  local full
  full=$(sed -n '1s/^uvws (\([^)]*\)).*/\1/p' debian/changelog)
  echo "${full%-*}"
}

# The library package's name for a version: libuvws + the SONAME's version.
library_package() {
  local major minor rest
  IFS=. read -r major minor rest <<< "$1"
  if [ "$major" -eq 0 ]; then
    echo "libuvws0.$minor"
  else
    echo "libuvws$major"
  fi
}

current_package() {
  sed -n 's/^Package: \(libuvws[0-9][0-9.]*\)$/\1/p' debian/control
}

if [ "$1" = --check ]; then
  cmake=$(cmake_version)
  header=$(header_version)
  debian=$(debian_version)
  package=$(current_package)
  status=0
  if [ "$cmake" != "$header" ] || [ "$cmake" != "$debian" ]; then
    echo "bump-version.sh: versions differ: CMakeLists.txt $cmake," \
      "include/uvws.h $header, debian/changelog $debian" >&2
    status=1
  fi
  if [ "$package" != "$(library_package "$cmake")" ]; then
    echo "bump-version.sh: debian/control's library package is $package," \
      "SONAME $cmake wants $(library_package "$cmake")" >&2
    status=1
  fi
  redis_package=libuvws-redis${package#libuvws}
  if ! grep -qx "Package: $redis_package" debian/control; then
    echo "bump-version.sh: debian/control has no $redis_package" >&2
    status=1
  fi
  [ "$status" -eq 0 ] && echo "uvws $cmake: CMakeLists.txt, include/uvws.h," \
    "debian/changelog and $package agree"
  exit "$status"
fi

new=$1
if ! [[ "$new" =~ ^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$ ]]; then
  echo "bump-version.sh: '$new' is not MAJOR.MINOR.PATCH" >&2
  exit 2
fi
major=${BASH_REMATCH[1]}
minor=${BASH_REMATCH[2]}
patch=${BASH_REMATCH[3]}
old=$(cmake_version)
if [ "$new" = "$old" ]; then
  echo "bump-version.sh: the version is $old already" >&2
  exit 1
fi
if ! dpkg --compare-versions "$new" gt "$old"; then
  echo "bump-version.sh: $new is older than $old" >&2
  exit 1
fi

sed -i "s/^project(uvws VERSION [0-9.]* /project(uvws VERSION $new /" \
  CMakeLists.txt
sed -i \
  -e "s/^#define UVWS_VERSION_MAJOR [0-9]*$/#define UVWS_VERSION_MAJOR $major/" \
  -e "s/^#define UVWS_VERSION_MINOR [0-9]*$/#define UVWS_VERSION_MINOR $minor/" \
  -e "s/^#define UVWS_VERSION_PATCH [0-9]*$/#define UVWS_VERSION_PATCH $patch/" \
  -e "s/^#define UVWS_VERSION_STRING \".*\"$/#define UVWS_VERSION_STRING \"$new\"/" \
  include/uvws.h

old_package=$(current_package)
new_package=$(library_package "$new")
if [ "$old_package" != "$new_package" ]; then
  old_so=${old_package#libuvws}
  new_so=${new_package#libuvws}
  # libuvws (libuvws.so) and libuvws-redis (libuvws_redis.so, uvws_redis)
  # share the SONAME's version.
  for lib in libuvws libuvws-redis; do
    old_p=$lib$old_so
    new_p=$lib$new_so
    soname=${lib//-/_}
    sed -i "s/\\b${old_p//./\\.}\\b/$new_p/g" debian/control
    for f in debian/"$old_p".*; do
      [ -e "$f" ] || continue
      to=debian/$new_p.${f#debian/"$old_p".}
      mv "$f" "$to"
    done
    # Every symbol of the new SONAME first appears in this version.
    sed -i \
      -e "1s/^$soname\\.so\\.${old_so//./\\.} ${old_p//./\\.} /$soname.so.$new_so $new_p /" \
      -e "s/^\\( [^ ]*\\) [^ ]*$/\\1 $new/" \
      "debian/$new_p.symbols"
  done
fi

# With a second changelog entry, lintian's initial-upload-closes-no-bugs
# no longer applies: its overrides (and their comments) go.
for f in debian/*.lintian-overrides; do
  [ -f "$f" ] || continue
  awk '
    /^#/ { comment = comment $0 "\n"; next }
    /^initial-upload-closes-no-bugs/ { comment = ""; next }
    { printf "%s%s\n", comment, $0; comment = "" }
    END { printf "%s", comment }
  ' "$f" > "$f.new"
  if [ -s "$f.new" ]; then
    mv "$f.new" "$f"
  else
    rm -f "$f.new" "$f"
  fi
done

if [ -n "${DEBFULLNAME:-}" ] && [ -n "${DEBEMAIL:-}" ]; then
  signer="$DEBFULLNAME <$DEBEMAIL>"
else
  signer=$(sed -n 's/^ -- \(.*>\)  .*/\1/p' debian/changelog | head -n 1)
fi
entry=$(mktemp)
{
  echo "uvws ($new-1) unstable; urgency=medium"
  echo
  echo "  * New upstream version $new (CHANGELOG.md says what changed)."
  if [ "$old_package" != "$new_package" ]; then
    echo "  * SONAME libuvws.so.${new_package#libuvws}: $old_package becomes" \
      "$new_package."
  fi
  echo
  echo " -- $signer  $(LC_ALL=C date -R)"
  echo
  cat debian/changelog
} > "$entry"
cat "$entry" > debian/changelog
rm -f "$entry"

echo "uvws $old -> $new: CMakeLists.txt, include/uvws.h, debian/changelog" \
  "($new-1)"
if [ "$old_package" != "$new_package" ]; then
  echo "SONAME changed: $old_package -> $new_package (debian/control," \
    "debian/$new_package.*)"
fi
echo "Review, then commit: git add -A CMakeLists.txt include/uvws.h debian"
bash "$0" --check
