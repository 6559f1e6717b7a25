import PierSecurity
import Testing
import X509

@Suite struct CertificatePrincipalTests {
    /// Kafka's DEFAULT rule names the subject in RFC 2253 order: the last attribute of the
    /// encoded name (most specific) first.
    @Test func defaultRuleIsTheSubjectMostSpecificFirst() throws {
        let subject = try DistinguishedName {
            CountryName("DE")
            OrganizationName("Pier")
            OrganizationalUnitName("ops")
            CommonName("client-1")
        }
        #expect(CertificatePrincipal.principal(subject: subject).description == "User:CN=client-1,OU=ops,O=Pier,C=DE")
    }

    @Test func bytesThatAreNoCertificateHaveNoPrincipal() {
        #expect(CertificatePrincipal.principal(certificateDER: [0x30, 0x03, 0x02, 0x01]) == nil)
        #expect(KafkaPrincipal.anonymous.description == "User:ANONYMOUS")
    }
}
