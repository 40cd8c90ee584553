#!/bin/sh
# Regenerates the test PKI: a CA, a server certificate for localhost/127.0.0.1, a client
# certificate, and an unrelated CA (for the wrong-CA test). Valid 2020-01-01 to 2056-01-01
# (backdated with `openssl ca -startdate`, so a host clock behind the generation date still works).
set -e
cd "$(dirname "$0")"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat > "$work/ca.cnf" <<CNF
[ca]
default_ca = test
[test]
database = $work/index.txt
new_certs_dir = $work
serial = $work/serial
default_md = sha256
policy = any
copy_extensions = none
[any]
commonName = supplied
[ca_ext]
basicConstraints = critical,CA:true
keyUsage = critical,keyCertSign,cRLSign
[server_ext]
basicConstraints = CA:false
subjectAltName = DNS:localhost,IP:127.0.0.1
extendedKeyUsage = serverAuth
[client_ext]
basicConstraints = CA:false
extendedKeyUsage = clientAuth
CNF
sign() { # name subject extension [ca]
  : > "$work/index.txt"; echo 01 > "$work/serial"
  openssl req -new -newkey rsa:2048 -nodes -keyout "$1.key" -out "$work/$1.csr" -subj "$2" 2>/dev/null
  if [ "$3" = ca_ext ]; then
    openssl ca -batch -config "$work/ca.cnf" -selfsign -keyfile "$1.key" -in "$work/$1.csr" -out "$1.pem" \
      -startdate 20200101000000Z -enddate 20560101000000Z -extensions "$3" -notext 2>/dev/null
  else
    openssl ca -batch -config "$work/ca.cnf" -cert ca.pem -keyfile ca.key -in "$work/$1.csr" -out "$1.pem" \
      -startdate 20200101000000Z -enddate 20560101000000Z -extensions "$3" -notext 2>/dev/null
  fi
}
sign ca "/CN=osq test CA" ca_ext
sign other_ca "/CN=osq other CA" ca_ext
sign server "/CN=localhost" server_ext
sign client "/CN=osq test client" client_ext
rm -f other_ca.key
