/** Escapes text for XML (and HTML) element content; never used for attribute values. */
export function escapeXml(value: string): string {
  return value.replace(/[<>&]/g, (c) => XML_ENTITIES[c] ?? c);
}

const XML_ENTITIES: Record<string, string> = { '<': '&lt;', '>': '&gt;', '&': '&amp;' };

/** A tree of XML elements to render; `undefined` members are left out. */
export interface XmlTree {
  [name: string]: string | number | XmlTree | XmlTree[] | string[] | undefined;
}

/** Renders `tree` as nested elements (arrays become `<member>` lists, as in the Query protocol). */
export function renderXml(tree: XmlTree, indent = '  '): string {
  return Object.entries(tree)
    .filter((entry): entry is [string, string | number | XmlTree | XmlTree[] | string[]] => entry[1] !== undefined)
    .map(([name, value]) => {
      if (typeof value === 'string' || typeof value === 'number') return `${indent}<${name}>${escapeXml(String(value))}</${name}>`;
      if (Array.isArray(value)) {
        if (value.length === 0) return `${indent}<${name}/>`;
        const members = value.map((member: string | XmlTree) =>
          typeof member === 'string'
            ? `${indent}  <member>${escapeXml(member)}</member>`
            : `${indent}  <member>\n${renderXml(member, `${indent}    `)}\n${indent}  </member>`,
        );
        return `${indent}<${name}>\n${members.join('\n')}\n${indent}</${name}>`;
      }
      return `${indent}<${name}>\n${renderXml(value, `${indent}  `)}\n${indent}</${name}>`;
    })
    .join('\n');
}
