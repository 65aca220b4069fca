import { describe, expect, it } from 'vitest';
import { attachmentDisposition } from './contentDisposition';

describe('attachmentDisposition', () => {
  it('keeps plain names and encodes the exact name in UTF-8', () => {
    expect(attachmentDisposition('report.pdf')).toBe(`attachment; filename="report.pdf"; filename*=UTF-8''report.pdf`);
    expect(attachmentDisposition('Ünïcödé 東京.txt')).toBe(
      `attachment; filename="Unicode .txt"; filename*=UTF-8''%C3%9Cn%C3%AFc%C3%B6d%C3%A9%20%E6%9D%B1%E4%BA%AC.txt`,
    );
  });

  it('cannot be broken out of by quotes, newlines or separators', () => {
    const header = attachmentDisposition('a"; filename=evil.exe\r\nX-Injected: 1/..\\x');
    expect(header).not.toMatch(/[\r\n]/);
    expect(header.split('"').length).toBe(3);
    expect(header).toContain(`filename*=UTF-8''a%22%3B%20filename%3Devil.exe%0D%0AX-Injected%3A%201%2F..%5Cx`);
  });
});
