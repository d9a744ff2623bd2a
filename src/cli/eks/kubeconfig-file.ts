/** One rolegate entry of a kubeconfig: a cluster (kept or created), a user running `rolegate eks token`, a context joining them. */
export interface KubeconfigEntry {
  cluster: string;
  /** Created or updated when given; an existing cluster entry is kept otherwise. */
  server?: string;
  certificateAuthorityData?: string;
  /** The user and context name. */
  name: string;
  command: string;
  args: string[];
  useContext: boolean;
}

export interface KubeconfigUpdate {
  text: string;
  changed: boolean;
}

/**
 * Adds or replaces rolegate's user and context in kubeconfig text, keeping
 * everything else (other clusters, users, contexts, comments) as it was. The
 * `yaml` library is imported here only: `configure --kubeconfig` is the one
 * command that edits YAML.
 */
export async function updateKubeconfig(text: string, entry: KubeconfigEntry): Promise<KubeconfigUpdate> {
  const { parseDocument, isMap, isSeq } = await import('yaml');
  const doc = parseDocument(text === '' ? 'apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\nusers: []\n' : text);
  if (doc.errors.length > 0) throw new Error(`it is not valid YAML: ${doc.errors[0]?.message ?? ''}`);
  if (!isMap(doc.contents)) throw new Error('it is not a kubeconfig (a YAML mapping)');
  const before = doc.toString();
  const list = (key: string) => {
    let seq = doc.get(key, true);
    if (!isSeq(seq)) {
      if (seq !== undefined && doc.get(key) !== null) throw new Error(`its ${key} is not a list`);
      doc.set(key, doc.createNode([]));
      seq = doc.get(key, true);
    }
    if (!isSeq(seq)) throw new Error(`its ${key} is not a list`);
    return seq;
  };
  const upsert = (key: string, name: string, value: Record<string, unknown>, replace: boolean) => {
    const seq = list(key);
    const index = seq.items.findIndex((item) => isMap(item) && item.get('name') === name);
    const node = doc.createNode({ name, ...value });
    if (index === -1) seq.items.push(node);
    else if (replace) seq.items[index] = node;
  };
  const clusters = list('clusters');
  const existing = clusters.items.find((item) => isMap(item) && item.get('name') === entry.cluster);
  if (entry.server !== undefined) {
    upsert(
      'clusters',
      entry.cluster,
      {
        cluster: {
          server: entry.server,
          ...(entry.certificateAuthorityData !== undefined ? { 'certificate-authority-data': entry.certificateAuthorityData } : {}),
        },
      },
      true,
    );
  } else if (existing === undefined) {
    throw new Error(`it has no cluster named ${entry.cluster}: pass --server (and --certificate-authority-data) to add it`);
  }
  upsert(
    'users',
    entry.name,
    {
      user: {
        exec: {
          apiVersion: 'client.authentication.k8s.io/v1beta1',
          command: entry.command,
          args: entry.args,
          interactiveMode: 'Never',
          provideClusterInfo: false,
        },
      },
    },
    true,
  );
  upsert('contexts', entry.name, { context: { cluster: entry.cluster, user: entry.name } }, true);
  if (entry.useContext) doc.set('current-context', entry.name);
  const after = doc.toString();
  return { text: after, changed: after !== before };
}
