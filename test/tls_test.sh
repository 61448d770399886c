#!/bin/bash
# tls_test.sh — HTTPS end to end: orca_fdw -> stunnel (TLS terminator, Debian
# package stunnel4) -> orca-sim (plain HTTP), against a scratch PostgreSQL 15.
#
# Generates with openssl, in a temporary directory: a server CA, a server
# certificate for 127.0.0.1/localhost, a client CA and a client certificate
# (ORCA's SSL client authentication), an unrelated CA, an EXPIRED server
# certificate (openssl ca with -startdate/-enddate in the past), a certificate
# for another host name, and a client certificate from the unrelated CA.
# stunnel serves:
#   mtls      server certificate, client certificate required (client CA)
#   mtls12    the same, TLS 1.2 at most
#   expired   the expired server certificate
#   wrongname a valid certificate for other.example
# and the checks (psql, one backend each) are:
#   https with sslrootcert + sslcert + sslkey reads patients (GET and POST)
#   wrong CA, missing client certificate, client certificate of an unknown CA,
#   expired server certificate, host name mismatch, missing certificate file,
#   http:// against the TLS port, https:// against the plain HTTP port
#   -> each a clear HV00N "could not connect to ORCA server"-style error, fast;
#   a registration that the server reads and then drops (orca-sim fault reset)
#   -> "outcome ... unknown" (the request was written), one whose TLS handshake
#   fails -> "Not sent", each audited so.  Needs python3 (test/simctl.py).
# Needs the extension installed (make install).  Prints "N passed, N failed".
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)

# ---------------------------------------------------------------------------
# inner part: runs inside pg_virtualenv (PGHOST, PGPORT, ... set)
# ---------------------------------------------------------------------------
if [ "${1:-}" = --inner ]; then
	# shellcheck source=test/check_lib.sh
	. "$top/test/check_lib.sh"
	d=$TLS_DIR
	mkserver() { # NAME URL EXTRA_OPTIONS
		cat <<-EOF
			CREATE SERVER $1 FOREIGN DATA WRAPPER orca_fdw OPTIONS (url '$2', connect_timeout '1', request_timeout '10'${3:+, $3});
			CREATE USER MAPPING FOR CURRENT_USER SERVER $1 OPTIONS (user 'ormaster', password 'ormaster');
			CREATE SCHEMA $1;
			IMPORT FOREIGN SCHEMA orca LIMIT TO (patients) FROM SERVER $1 INTO $1;
		EOF
	}
	certs="sslrootcert '$d/ca.pem', sslcert '$d/client.pem', sslkey '$d/client.key'"
	setup="CREATE EXTENSION orca_fdw;
$(mkserver orca "https://127.0.0.1:$MTLS_PORT" "$certs")
$(mkserver by_name "https://localhost:$MTLS_PORT" "$certs")
$(mkserver wrong_ca "https://127.0.0.1:$MTLS_PORT" "sslrootcert '$d/otherca.pem', sslcert '$d/client.pem', sslkey '$d/client.key'")
$(mkserver no_client_cert "https://127.0.0.1:$MTLS_PORT" "sslrootcert '$d/ca.pem'")
$(mkserver foreign_client_cert "https://127.0.0.1:$MTLS_PORT" "sslrootcert '$d/ca.pem', sslcert '$d/otherclient.pem', sslkey '$d/otherclient.key'")
$(mkserver expired "https://127.0.0.1:$EXPIRED_PORT" "sslrootcert '$d/ca.pem'")
$(mkserver wrong_name "https://127.0.0.1:$WRONGNAME_PORT" "sslrootcert '$d/ca.pem'")
$(mkserver missing_file "https://127.0.0.1:$MTLS_PORT" "sslrootcert '$d/ca.pem', sslcert '$d/nonexistent.pem', sslkey '$d/client.key'")
$(mkserver http_on_tls "http://127.0.0.1:$MTLS_PORT")
$(mkserver https_on_http "https://127.0.0.1:$SIM_PORT" "sslrootcert '$d/ca.pem', retries '0'")
$(mkserver no_client_cert12 "https://127.0.0.1:$MTLS12_PORT" "sslrootcert '$d/ca.pem'")"
	run_sql "$setup"
	if [ "$rc" -ne 0 ]; then
		fail "setup" "could not create the servers"
		write_counts "$TLS_DIR/counts"
		exit 1
	fi
	q() { echo "SELECT patient_id, whole_name FROM $1.patients WHERE patient_id = '00001'"; }
	tls_error='^ERROR:  HV00N: could not connect to ORCA server'

	check_ok "https + client certificate: SELECT by id (patientgetv2)" "$(q orca)" '^00001\|.+'
	check_ok "https + client certificate: SELECT by id list (POST patientlst2v2)" \
		"SELECT count(*) FROM orca.patients WHERE patient_id IN ('00001', '00002', '00003')" '^3$'
	check_ok "https://localhost (DNS name in the certificate)" "$(q by_name)" '^00001\|.+'
	check_error "wrong CA (sslrootcert = unrelated CA)" "$(q wrong_ca)" \
		"$tls_error" '^DETAIL:  TLS error: .*certificate' 'HINT:  .*sslrootcert'
	# TLS 1.3 refuses a client certificate after the handshake: libcurl's words
	# then vary with timing (an alert, or only a closed socket), so the check is
	# the TLS detail and the hint that names the certificate options.
	check_error "missing client certificate" "$(q no_client_cert)" \
		"$tls_error" '^HINT:  .*sslcert and sslkey'
	check_error "client certificate from an unknown CA" "$(q foreign_client_cert)" \
		"$tls_error" '^HINT:  .*sslcert and sslkey'
	# TLS 1.2 rejects a missing client certificate inside the handshake; TLS 1.3
	# (the default above) only after it, on the first read.
	check_error "missing client certificate (TLS 1.2 server)" "$(q no_client_cert12)" \
		"$tls_error" '^DETAIL:  TLS error: .*(handshake|certificate)'
	check_error "expired server certificate" "$(q expired)" \
		"$tls_error" '^DETAIL:  TLS error: .*certificate has expired'
	check_error "server certificate for another host name" "$(q wrong_name)" \
		"$tls_error" "^DETAIL:  TLS error: .*(127\.0\.0\.1|host name|subject name)"
	check_error "sslcert file does not exist" "$(q missing_file)" \
		"$tls_error" '^DETAIL:  TLS error: .*nonexistent\.pem'
	# stunnel resets the connection on a plain HTTP request
	check_error "http:// url against the TLS port" "$(q http_on_tls)" \
		'^ERROR:  HV00N: (ORCA server closed the connection|could not connect to ORCA server)' '^DETAIL:  .'
	# orca-sim never answers a TLS ClientHello (it waits for a request line):
	# the handshake runs into connect_timeout (1 s, no retries here)
	check_error "https:// url against a plain HTTP port" "$(q https_on_http)" \
		'^ERROR:  (HV00N: could not connect to ORCA server|HV000: ORCA request timed out)' '^DETAIL:  .*(TLS|SSL)'
	check_ok "the right configuration still works afterwards" "$(q orca)" '^00001\|.+'

	# Registrations over https: "not sent" only from facts (no request byte
	# written, or the TLS handshake never finished); a server that reads the
	# request and then drops the connection leaves the outcome unknown.
	simctl() { python3 "$top/test/simctl.py" --url "http://127.0.0.1:$SIM_PORT" "$@"; }
	reg() { # SERVER NAME
		echo "INSERT INTO $1.patients (whole_name, whole_name_in_kana, birth_date, sex) VALUES ('$2', 'アンゴウ　タロウ', '1980-01-01', '1')"
	}
	last_outcome="SELECT outcome FROM orca_fdw_audit() WHERE event = 'result' ORDER BY seq DESC LIMIT 1"
	simctl reset
	simctl fault reset path=/orca12/patientmodv2
	check_error "https registration read by the server, then dropped: outcome unknown" "$(reg orca '暗号　一郎')" \
		'^ERROR:  HV00N: outcome of ORCA patientmodv2 call is unknown' \
		'May have been registered \(it was not resent\): patientmodv2 class=01 for patient \*' \
		'^HINT:  Check in ORCA whether it was registered'
	check_true "the dropped registration reached ORCA once" \
		grep -qx 'total=1 patientmodv2=1' <<<"$(simctl stats patientmodv2)"
	check_ok "the audit records it as unknown" "$last_outcome" '^unknown$'
	check_error "https registration whose TLS handshake fails: not sent" "$(reg wrong_ca '暗号　二郎')" \
		"$tls_error" '^DETAIL:  TLS error: .*certificate' 'Not sent: patientmodv2 class=01 for patient \*'
	check_ok "the audit records it as not sent" "$last_outcome" '^not_sent$'
	check_true "nothing more reached ORCA" grep -qx 'total=1 patientmodv2=1' <<<"$(simctl stats patientmodv2)"
	simctl reset
	check_ok "an https registration that works" "$(reg orca '暗号　三郎') RETURNING patient_id" '^[0-9]{5}$'
	check_ok "the audit records it as ok" "$last_outcome" '^ok$'
	write_counts "$TLS_DIR/counts"
	exit 0
fi

# ---------------------------------------------------------------------------
# outer part: certificates, orca-sim, stunnel, then the cluster
# ---------------------------------------------------------------------------
cd "$top"
command -v stunnel4 >/dev/null || { echo "tls_test: stunnel4 is not installed (scripts/install-deps.sh)" >&2; echo "0 passed, 1 failed"; exit 1; }
start=$(date +%s)
dir=$(mktemp -d /tmp/orca_tls.XXXXXX)
pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do
		kill "$p" 2>/dev/null || true
	done
	for p in "${pids[@]}"; do
		for _ in $(seq 1 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$p" 2>/dev/null || true
	done
	rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- certificates (ECDSA P-256: fast to generate) ---
cd "$dir"
newkey=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes)
mkca() { # NAME CN
	openssl req -x509 "${newkey[@]}" -keyout "$1.key" -out "$1.pem" -days 2 -subj "/CN=$2" \
		-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
}
leaf() { # NAME CA CN EXTENSIONS
	openssl req -new "${newkey[@]}" -keyout "$1.key" -out "$1.csr" -subj "/CN=$3" 2>/dev/null
	printf '%s\n' "$4" >"$1.ext"
	openssl x509 -req -in "$1.csr" -CA "$2.pem" -CAkey "$2.key" -set_serial "0x$(openssl rand -hex 8)" \
		-days 2 -extfile "$1.ext" -out "$1.pem" 2>/dev/null
}
mkca ca "orca_fdw test server CA"
mkca clientca "orca_fdw test client CA"
mkca otherca "orca_fdw unrelated CA"
server_ext=$'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth'
leaf server ca localhost "$server_ext"
leaf wrongname ca other.example $'subjectAltName=DNS:other.example\nextendedKeyUsage=serverAuth'
leaf client clientca ormaster "extendedKeyUsage=clientAuth"
leaf otherclient otherca ormaster "extendedKeyUsage=clientAuth"
# OpenSSL 3.0's x509 has no -not_before: openssl ca sets both dates explicitly.
mkdir cadb
: >cadb/index.txt
echo 1000 >cadb/serial
cat >ca.cnf <<EOF
[ca]
default_ca = test_ca
[test_ca]
database = cadb/index.txt
serial = cadb/serial
new_certs_dir = cadb
certificate = ca.pem
private_key = ca.key
default_md = sha256
policy = any
unique_subject = no
x509_extensions = srv
[any]
commonName = supplied
[srv]
subjectAltName = IP:127.0.0.1,DNS:localhost
extendedKeyUsage = serverAuth
EOF
openssl req -new "${newkey[@]}" -keyout expired.key -out expired.csr -subj "/CN=localhost" 2>/dev/null
openssl ca -batch -config ca.cnf -in expired.csr -out expired.pem -notext \
	-startdate 20200101000000Z -enddate 20200102000000Z >ca.log 2>&1 || { cat ca.log >&2; exit 1; }
if openssl verify -CAfile ca.pem expired.pem >/dev/null 2>&1 || ! openssl verify -CAfile ca.pem server.pem >/dev/null; then
	echo "tls_test: certificate generation went wrong" >&2
	exit 1
fi
# PostgreSQL runs as postgres: world-readable directory and PEMs, the
# client keys readable by postgres only.  CA keys are not needed any more.
rm -f ./*.csr ./*.ext ca.key clientca.key otherca.key
chmod 755 "$dir"
chmod 644 ./*.pem
chmod 600 ./*.key
chown postgres:postgres client.key otherclient.key
cd "$top"

# --- orca-sim (plain HTTP); like test/start_sim.sh, but its log stays in $dir ---
build/orca-sim --host 127.0.0.1 --port 0 --patients 200 --seed 42 --today 2025-06-15 >"$dir/sim.log" 2>&1 &
pids+=("$!")
sim_url=
for _ in $(seq 1 100); do
	sim_url=$(grep -o 'http://[^ ]*' "$dir/sim.log" 2>/dev/null || true)
	[ -n "$sim_url" ] && break
	kill -0 "${pids[-1]}" 2>/dev/null || break
	sleep 0.1
done
if [ -z "$sim_url" ]; then
	echo "tls_test: orca-sim did not start:" >&2
	cat "$dir/sim.log" >&2
	echo "0 passed, 1 failed"
	exit 1
fi
sim_port=${sim_url##*:}

# --- stunnel ---
read -r mtls_port mtls12_port expired_port wrongname_port < <(python3 -c '
import socket
socks = [socket.socket() for _ in range(4)]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in socks))')
service() { # NAME PORT CERT [extra lines]
	printf '[%s]\naccept = 127.0.0.1:%s\nconnect = 127.0.0.1:%s\ncert = %s/%s.pem\nkey = %s/%s.key\n%s\n' \
		"$1" "$2" "$sim_port" "$dir" "$3" "$dir" "$3" "${4:-}"
}
{
	printf 'foreground = yes\npid =\noutput = %s/stunnel.log\ndebug = info\n' "$dir"
	# verify = 2 in stunnel's older spelling: verify the chain, require a certificate
	service mtls "$mtls_port" server "CAfile = $dir/clientca.pem
verifyChain = yes
requireCert = yes"
	service mtls12 "$mtls12_port" server "CAfile = $dir/clientca.pem
verifyChain = yes
requireCert = yes
sslVersionMax = TLSv1.2"
	service expired "$expired_port" expired
	service wrongname "$wrongname_port" wrongname
} >"$dir/stunnel.conf"
stunnel4 "$dir/stunnel.conf" >"$dir/stunnel.out" 2>&1 &
pids+=("$!")
listening() {
	python3 - "$@" <<'EOF'
import socket, sys
for port in sys.argv[1:]:
    try:
        socket.create_connection(("127.0.0.1", int(port)), timeout=0.2).close()
    except OSError:
        sys.exit(1)
EOF
}
for _ in $(seq 1 100); do
	listening "$mtls_port" "$mtls12_port" "$expired_port" "$wrongname_port" && break
	if ! kill -0 "${pids[-1]}" 2>/dev/null; then
		echo "tls_test: stunnel exited:" >&2
		cat "$dir/stunnel.out" "$dir/stunnel.log" >&2 || true
		echo "0 passed, 1 failed"
		exit 1
	fi
	sleep 0.1
done
if ! curl -sS -o /dev/null --cacert "$dir/ca.pem" --cert "$dir/client.pem" --key "$dir/client.key" \
	-u ormaster:ormaster "https://127.0.0.1:$mtls_port/api01rv2/patientgetv2?id=00001"; then
	echo "tls_test: curl cannot reach orca-sim through stunnel" >&2
	tail -20 "$dir/stunnel.log" >&2 || true
	echo "0 passed, 1 failed"
	exit 1
fi

# --- the cluster and the checks ---
export TLS_DIR=$dir MTLS_PORT=$mtls_port MTLS12_PORT=$mtls12_port EXPIRED_PORT=$expired_port WRONGNAME_PORT=$wrongname_port SIM_PORT=$sim_port
status=0
pg_virtualenv -t -v 15 -o "shared_preload_libraries=" "$top/test/tls_test.sh" --inner || status=$?
if [ -f "$dir/counts" ]; then
	read -r passed failed <"$dir/counts"
else
	passed=0
	failed=1
fi
[ "$status" -eq 0 ] || [ "$failed" -gt 0 ] || failed=1
echo "tls_test: $(($(date +%s) - start))s"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
