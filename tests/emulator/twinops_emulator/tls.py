"""Certificate authority, server certificate and key material kept in the state directory."""

import datetime
import hashlib
import ipaddress
import os

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

VALIDITY_DAYS = 3650


def _write_private(path, data):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, 'wb') as handle:
        handle.write(data)


def _key_pem(key):
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())


def load_or_create_key(path, bits=2048):
    """Return an RSA private key stored at path, generating it on first use."""
    if os.path.exists(path):
        with open(path, 'rb') as handle:
            return serialization.load_pem_private_key(handle.read(), password=None)
    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    _write_private(path, _key_pem(key))
    return key


def _name(common_name):
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, 'twinops emulator'), x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _builder(subject, issuer, public_key):
    now = datetime.datetime.now(datetime.timezone.utc)
    return (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer).public_key(public_key)
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=VALIDITY_DAYS)))


def ensure_ca(state_dir):
    """Create ca.pem/ca.key once and reuse them afterwards. Returns (cert, key)."""
    cert_path = os.path.join(state_dir, 'ca.pem')
    key = load_or_create_key(os.path.join(state_dir, 'ca.key'))
    if os.path.exists(cert_path):
        with open(cert_path, 'rb') as handle:
            cert = x509.load_pem_x509_certificate(handle.read())
        if cert.public_key().public_numbers() == key.public_key().public_numbers():
            return cert, key
    name = _name('twinops emulator local CA')
    cert = (_builder(name, name, key.public_key())
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False, data_encipherment=False,
                                         key_agreement=False, key_cert_sign=True, crl_sign=True, encipher_only=False, decipher_only=False),
                           critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .sign(key, hashes.SHA256()))
    with open(cert_path, 'wb') as handle:
        handle.write(cert.public_bytes(serialization.Encoding.PEM))
    return cert, key


def ensure_server_cert(state_dir, ca_cert, ca_key):
    """Write server.pem/server.key for 127.0.0.1 and localhost, signed by the CA. Returns (cert_path, key_path)."""
    cert_path = os.path.join(state_dir, 'server.pem')
    key_path = os.path.join(state_dir, 'server.key')
    key = load_or_create_key(key_path)
    san = x509.SubjectAlternativeName([x509.DNSName('localhost'), x509.IPAddress(ipaddress.ip_address('127.0.0.1'))])
    cert = (_builder(_name('127.0.0.1'), ca_cert.subject, key.public_key())
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(san, critical=False)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256()))
    with open(cert_path, 'wb') as handle:
        handle.write(cert.public_bytes(serialization.Encoding.PEM))
    return cert_path, key_path


def ensure_client_cert(path, common_name):
    """A self-signed client certificate plus its key in one PEM file (the form CertificateCredential reads)."""
    if os.path.exists(path):
        with open(path, 'rb') as handle:
            data = handle.read()
        return x509.load_pem_x509_certificate(data)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = _name(common_name)
    cert = _builder(name, name, key.public_key()).sign(key, hashes.SHA256())
    _write_private(path, _key_pem(key) + cert.public_bytes(serialization.Encoding.PEM))
    return cert


def thumbprints(cert):
    """SHA-1 and SHA-256 thumbprints of a certificate (raw bytes), as used in x5t / x5t#S256 headers."""
    der = cert.public_bytes(serialization.Encoding.DER)
    return hashlib.sha1(der).digest(), hashlib.sha256(der).digest()  # nosec - x5t is defined as SHA-1
