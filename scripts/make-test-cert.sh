#!/usr/bin/env bash
# Makes a throwaway CA and a server certificate it signed, with the
# openssl command, for trying and testing wss:// (never commit the keys):
#
#   scripts/make-test-cert.sh DIR [SUBJECT_ALT_NAMES]
#
# DIR gets ca.pem (trust this one in clients), ca.key, cert.pem and
# key.pem (give these to --tls-cert and --tls-key). The names default to
# DNS:localhost,IP:127.0.0.1,IP:::1. Valid for two days.
set -euo pipefail

dir=${1:?usage: make-test-cert.sh DIR [SUBJECT_ALT_NAMES]}
san=${2:-DNS:localhost,IP:127.0.0.1,IP:::1}
mkdir -p "$dir"
cd "$dir"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
  -keyout ca.key -out ca.pem -days 2 -subj "/CN=uvws test CA" \
  -addext "basicConstraints=critical,CA:TRUE" \
  -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
  -keyout key.pem -out cert.csr -subj "/CN=localhost" 2>/dev/null
printf 'subjectAltName=%s\nbasicConstraints=CA:FALSE\n' "$san" > cert.ext
openssl x509 -req -in cert.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
  -out cert.pem -days 2 -extfile cert.ext 2>/dev/null
rm -f cert.csr cert.ext ca.srl
