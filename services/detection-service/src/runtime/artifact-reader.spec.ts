import { describe, expect, it } from 'vitest';
import { classFileRelease, javaFeatureRelease, parseManifest } from './artifact-reader';

describe('javaFeatureRelease', () => {
  it('reads the feature release from the version forms manifests carry', () => {
    expect(['17', '17.0.15', '1.8.0_292', '1.8', '21.0.2+13-LTS', '11.0.22 (Eclipse Adoptium)'].map(javaFeatureRelease)).toEqual(['17', '17', '8', '8', '21', '11']);
  });
  it('is null for what is no Java version (Created-By: Maven JAR Plugin 3.3.0)', () => {
    expect(['Maven JAR Plugin 3.3.0', 'Apache Maven 3.8.7', ''].map(javaFeatureRelease)).toEqual([null, null, null]);
  });
});

describe('classFileRelease', () => {
  const header = (major: number) => Buffer.from([0xca, 0xfe, 0xba, 0xbe, 0, 0, major >> 8, major & 0xff]);
  it('maps the class-file major version to the Java release', () => {
    expect([header(52), header(55), header(61), header(65), header(48)].map(classFileRelease)).toEqual(['8', '11', '17', '21', '1.4']);
  });
  it('is null for bytes that are no class file', () => {
    expect(classFileRelease(Buffer.from('not a class'))).toBeNull();
    expect(classFileRelease(Buffer.from([0xca, 0xfe]))).toBeNull();
  });
});

describe('parseManifest', () => {
  it('joins continuation lines', () => {
    expect(parseManifest('Manifest-Version: 1.0\r\nCreated-By: 17.0.15 (Eclipse\r\n  Adoptium)\r\n').get('Created-By')).toBe('17.0.15 (Eclipse Adoptium)');
  });
});
