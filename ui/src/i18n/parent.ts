// Words of the parent screens.
const ja = {
  parent_title: "parent",
} as const;

const en: Record<keyof typeof ja, string> = {
  parent_title: "parent",
};

export const parent = { ja, en };
