import { JOB_STATUSES, NAME_TYPES, NS_DATA, NS_SER, NS_SERVICE, OPERATIONS, VM_ERRORS, VM_HOST_TYPES, VM_STATUSES, soapAction } from './contract.ts';
import { esc } from './xml.ts';

/**
 * The corrected WSDL of the RDV contract: the published one's operation, message and type
 * names, with the real `http://` namespaces, each schema under its own target namespace
 * (the published page declares them all under `…/Imports`), the `ser:guid` type defined,
 * and a `wsdl:service` whose port address is `address`.
 */
export function renderWsdl(address: string): string {
  const enumType = (name: string, values: readonly string[]): string =>
    `<xs:simpleType name="${name}"><xs:restriction base="xs:string">${values.map((v) => `<xs:enumeration value="${v}"/>`).join('')}</xs:restriction></xs:simpleType><xs:element name="${name}" nillable="true" type="tns:${name}"/>`;
  const nameParams = `<xs:sequence><xs:element minOccurs="0" name="name" nillable="true" type="xs:string"/><xs:element minOccurs="0" name="type" type="q:NameType"/></xs:sequence>`;
  const serviceSchema = `<xs:schema elementFormDefault="qualified" targetNamespace="${NS_SERVICE}" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:q="${NS_DATA}" xmlns:ser="${NS_SER}">
<xs:import namespace="${NS_DATA}"/><xs:import namespace="${NS_SER}"/>
<xs:element name="StartVM"><xs:complexType>${nameParams}</xs:complexType></xs:element>
<xs:element name="StartVMResponse"><xs:complexType><xs:sequence><xs:element minOccurs="0" name="StartVMResult" type="ser:guid"/></xs:sequence></xs:complexType></xs:element>
<xs:element name="SetLocale"><xs:complexType><xs:sequence><xs:element minOccurs="0" name="locale" nillable="true" type="xs:string"/></xs:sequence></xs:complexType></xs:element>
<xs:element name="SetLocaleResponse"><xs:complexType><xs:sequence><xs:element minOccurs="0" name="SetLocaleResult" nillable="true" type="xs:string"/></xs:sequence></xs:complexType></xs:element>
<xs:element name="GetVM"><xs:complexType>${nameParams}</xs:complexType></xs:element>
<xs:element name="GetVMResponse"><xs:complexType><xs:sequence><xs:element minOccurs="0" name="GetVMResult" nillable="true" type="q:VMResult"/></xs:sequence></xs:complexType></xs:element>
<xs:element name="PlaceVM"><xs:complexType>${nameParams}</xs:complexType></xs:element>
<xs:element name="PlaceVMResponse"><xs:complexType><xs:sequence><xs:element minOccurs="0" name="PlaceVMResult" type="ser:guid"/></xs:sequence></xs:complexType></xs:element>
<xs:element name="JobUpdated"><xs:complexType><xs:sequence><xs:element minOccurs="0" name="job" nillable="true" type="q:Job"/></xs:sequence></xs:complexType></xs:element>
</xs:schema>`;
  const dataSchema = `<xs:schema elementFormDefault="qualified" targetNamespace="${NS_DATA}" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:tns="${NS_DATA}" xmlns:ser="${NS_SER}">
<xs:import namespace="${NS_SER}"/>
${enumType('NameType', NAME_TYPES)}
<xs:complexType name="VMResult"><xs:sequence><xs:element minOccurs="0" name="DetailedErrorString" nillable="true" type="xs:string"/><xs:element minOccurs="0" name="ErrorID" type="tns:VMError"/><xs:element minOccurs="0" name="VMList" nillable="true" type="tns:ArrayOfVM"/></xs:sequence></xs:complexType>
<xs:element name="VMResult" nillable="true" type="tns:VMResult"/>
${enumType('VMError', VM_ERRORS)}
<xs:complexType name="ArrayOfVM"><xs:sequence><xs:element minOccurs="0" maxOccurs="unbounded" name="VM" nillable="true" type="tns:VM"/></xs:sequence></xs:complexType>
<xs:element name="ArrayOfVM" nillable="true" type="tns:ArrayOfVM"/>
<xs:complexType name="VM"><xs:sequence><xs:element minOccurs="0" name="HostFQDN" nillable="true" type="xs:string"/><xs:element minOccurs="0" name="HostType" type="tns:VMHostType"/><xs:element minOccurs="0" name="ID" type="ser:guid"/><xs:element minOccurs="0" name="Name" nillable="true" type="xs:string"/><xs:element minOccurs="0" name="Status" type="tns:VMStatus"/></xs:sequence></xs:complexType>
<xs:element name="VM" nillable="true" type="tns:VM"/>
${enumType('VMHostType', VM_HOST_TYPES)}
${enumType('VMStatus', VM_STATUSES)}
<xs:complexType name="Job"><xs:sequence><xs:element minOccurs="0" name="DetailedErrorString" nillable="true" type="xs:string"/><xs:element minOccurs="0" name="ErrorID" type="tns:VMError"/><xs:element minOccurs="0" name="ID" type="ser:guid"/><xs:element minOccurs="0" name="Name" nillable="true" type="xs:string"/><xs:element minOccurs="0" name="Progress" type="xs:double"/><xs:element minOccurs="0" name="Status" type="tns:JobStatus"/><xs:element minOccurs="0" name="Step" nillable="true" type="xs:string"/></xs:sequence></xs:complexType>
<xs:element name="Job" nillable="true" type="tns:Job"/>
${enumType('JobStatus', JOB_STATUSES)}
</xs:schema>`;
  const serSchema = `<xs:schema elementFormDefault="qualified" targetNamespace="${NS_SER}" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:tns="${NS_SER}">
<xs:simpleType name="guid"><xs:restriction base="xs:string"><xs:pattern value="[\\da-fA-F]{8}-[\\da-fA-F]{4}-[\\da-fA-F]{4}-[\\da-fA-F]{4}-[\\da-fA-F]{12}"/></xs:restriction></xs:simpleType>
<xs:element name="guid" nillable="true" type="tns:guid"/>
</xs:schema>`;
  const messages = OPERATIONS.map(
    (op) =>
      `<wsdl:message name="IRDVServer_${op}_InputMessage"><wsdl:part name="parameters" element="tns:${op}"/></wsdl:message><wsdl:message name="IRDVServer_${op}_OutputMessage"><wsdl:part name="parameters" element="tns:${op}Response"/></wsdl:message>`,
  ).join('\n');
  const portOps = OPERATIONS.map(
    (op) =>
      `<wsdl:operation msc:isInitiating="true" msc:isTerminating="false" name="${op}"><wsdl:input wsaw:Action="${soapAction(op)}" message="tns:IRDVServer_${op}_InputMessage"/><wsdl:output wsaw:Action="${soapAction(op)}Response" message="tns:IRDVServer_${op}_OutputMessage"/></wsdl:operation>`,
  ).join('\n');
  const bindOps = OPERATIONS.map(
    (op) => `<wsdl:operation name="${op}"><soap:operation soapAction="${soapAction(op)}" style="document"/><wsdl:input><soap:body use="literal"/></wsdl:input><wsdl:output><soap:body use="literal"/></wsdl:output></wsdl:operation>`,
  ).join('\n');
  return `<?xml version="1.0" encoding="utf-8"?>
<wsdl:definitions name="RDVServer" targetNamespace="${NS_SERVICE}" xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/" xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/" xmlns:tns="${NS_SERVICE}" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:msc="http://schemas.microsoft.com/ws/2005/12/wsdl/contract" xmlns:wsaw="http://www.w3.org/2006/05/addressing/wsdl">
<wsdl:types>
${serviceSchema}
${dataSchema}
${serSchema}
</wsdl:types>
${messages}
<wsdl:message name="IRDVServer_JobUpdated_OutputCallbackMessage"><wsdl:part name="parameters" element="tns:JobUpdated"/></wsdl:message>
<wsdl:portType msc:usingSession="true" name="IRDVServer">
${portOps}
<wsdl:operation msc:isInitiating="true" msc:isTerminating="false" name="JobUpdated"><wsdl:output wsaw:Action="${soapAction('JobUpdated')}" message="tns:IRDVServer_JobUpdated_OutputCallbackMessage"/></wsdl:operation>
</wsdl:portType>
<wsdl:binding name="DefaultBinding_IRDVServer" type="tns:IRDVServer">
<soap:binding transport="http://schemas.xmlsoap.org/soap/http"/>
${bindOps}
</wsdl:binding>
<wsdl:service name="RDVServer">
<wsdl:port name="DefaultBinding_IRDVServer" binding="tns:DefaultBinding_IRDVServer"><soap:address location="${esc(address)}"/></wsdl:port>
</wsdl:service>
</wsdl:definitions>
`;
}
