"""Independent PAdES counterpart for egov's tests, built on pyHanko and cryptography.

  pyhanko_tool.py sign IN.pdf OUTDIR   makes an RSA-2048 root and signer (PKCS#12 in OUTDIR/signer.p12, password
                                       "test", root in OUTDIR/root.pem), signs IN.pdf twice (OUTDIR/one.pdf,
                                       OUTDIR/two.pdf) with pyHanko, PAdES baseline.
  pyhanko_tool.py sign-p12 IN.pdf OUT.pdf SIGNER.p12 PASSWORD SUBFILTER
                                       signs IN.pdf once with the key and certificates of SIGNER.p12 (RSA or ECDSA),
                                       SUBFILTER "adbe.pkcs7.detached" or "ETSI.CAdES.detached".
  pyhanko_tool.py timestamp IN.pdf OUT.pdf TSA.pem TSA.key
                                       adds a document time-stamp (ETSI.RFC3161, PAdES B-LTA) to IN.pdf, the token
                                       made in-process with the authority certificate TSA.pem and its key.
  pyhanko_tool.py validate IN.pdf ROOT.pem
                                       validates every signature of IN.pdf with pyHanko against ROOT.pem and
                                       prints one line per signature: "<field> intact=<bool> valid=<bool> trusted=<bool>".
"""
import datetime
import sys
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID


def make_pki(outdir: Path):
    now = datetime.datetime.now(datetime.timezone.utc)
    root_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    root_name = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
                           x509.NameAttribute(NameOID.COMMON_NAME, "pyHanko Test Root")])
    root = (x509.CertificateBuilder().subject_name(root_name).issuer_name(root_name)
            .public_key(root_key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1)).not_valid_after(now + datetime.timedelta(days=30))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                         crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
            .sign(root_key, hashes.SHA256()))
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Sở Tư pháp"),
                      x509.NameAttribute(NameOID.COMMON_NAME, "Phạm Thị Dung")])
    leaf = (x509.CertificateBuilder().subject_name(name).issuer_name(root_name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(hours=1)).not_valid_after(now + datetime.timedelta(days=10))
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=True, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False, key_cert_sign=False,
                                         crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
            .sign(root_key, hashes.SHA256()))
    (outdir / "root.pem").write_bytes(root.public_bytes(serialization.Encoding.PEM))
    p12 = pkcs12.serialize_key_and_certificates(b"signer", key, leaf, [root],
                                                serialization.BestAvailableEncryption(b"test"))
    (outdir / "signer.p12").write_bytes(p12)
    return outdir / "signer.p12"


def sign(pdf_in: Path, outdir: Path):
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    p12 = make_pki(outdir)
    signer = signers.SimpleSigner.load_pkcs12(str(p12), passphrase=b"test")
    meta = signers.PdfSignatureMetadata(field_name="PyHanko1", subfilter=fields.SigSeedSubFilter.PADES)
    with open(pdf_in, "rb") as f:
        out = signers.sign_pdf(IncrementalPdfFileWriter(f), meta, signer=signer)
    (outdir / "one.pdf").write_bytes(out.getvalue())
    meta2 = signers.PdfSignatureMetadata(field_name="PyHanko2", subfilter=fields.SigSeedSubFilter.PADES)
    with open(outdir / "one.pdf", "rb") as f:
        out = signers.sign_pdf(IncrementalPdfFileWriter(f), meta2, signer=signer)
    (outdir / "two.pdf").write_bytes(out.getvalue())


def sign_p12(pdf_in: Path, pdf_out: Path, p12: Path, password: str, subfilter: str):
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    chosen = {"adbe.pkcs7.detached": fields.SigSeedSubFilter.ADOBE_PKCS7_DETACHED,
              "ETSI.CAdES.detached": fields.SigSeedSubFilter.PADES}[subfilter]
    signer = signers.SimpleSigner.load_pkcs12(str(p12), passphrase=password.encode())
    if signer is None:
        raise SystemExit(f"cannot read {p12}")
    meta = signers.PdfSignatureMetadata(field_name="PyHanko", subfilter=chosen)
    with open(pdf_in, "rb") as f:
        out = signers.sign_pdf(IncrementalPdfFileWriter(f), meta, signer=signer)
    pdf_out.write_bytes(out.getvalue())


def timestamp(pdf_in: Path, pdf_out: Path, tsa_pem: Path, tsa_key: Path):
    from pyhanko.keys import load_cert_from_pemder, load_private_key_from_pemder
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers
    from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper

    cert = load_cert_from_pemder(str(tsa_pem))
    key = load_private_key_from_pemder(str(tsa_key), passphrase=None)
    stamper = signers.PdfTimeStamper(DummyTimeStamper(tsa_cert=cert, tsa_key=key, certs_to_embed=[cert]))
    with open(pdf_in, "rb") as f:
        out = stamper.timestamp_pdf(IncrementalPdfFileWriter(f), "sha256")
    pdf_out.write_bytes(out.getvalue())


def validate(pdf_in: Path, root_pem: Path):
    from pyhanko.keys import load_cert_from_pemder
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    root = load_cert_from_pemder(str(root_pem))
    with open(pdf_in, "rb") as f:
        reader = PdfFileReader(f)
        for sig in reader.embedded_signatures:
            context = ValidationContext(trust_roots=[root], allow_fetching=False, revocation_mode="soft-fail")
            status = validate_pdf_signature(sig, context)
            print(f"{sig.field_name} intact={status.intact} valid={status.valid} trusted={status.trusted}")


if __name__ == "__main__":
    if sys.argv[1] == "sign":
        sign(Path(sys.argv[2]), Path(sys.argv[3]))
    elif sys.argv[1] == "sign-p12":
        sign_p12(Path(sys.argv[2]), Path(sys.argv[3]), Path(sys.argv[4]), sys.argv[5], sys.argv[6])
    elif sys.argv[1] == "timestamp":
        timestamp(Path(sys.argv[2]), Path(sys.argv[3]), Path(sys.argv[4]), Path(sys.argv[5]))
    elif sys.argv[1] == "validate":
        validate(Path(sys.argv[2]), Path(sys.argv[3]))
    else:
        raise SystemExit(__doc__)
