// Input forms generated from a graph's input JSON schema, and the server's errors on them.

import { h } from "./dom.js";

const NUMBER = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

function deref(schema, root, depth = 0) {
  if (!schema || typeof schema !== "object" || depth > 20) return schema || {};
  if (typeof schema.$ref === "string" && schema.$ref.startsWith("#/")) {
    let target = root;
    for (const part of schema.$ref.slice(2).split("/")) {
      target = target && target[part.replace(/~1/g, "/").replace(/~0/g, "~")];
    }
    const { $ref, ...rest } = schema;
    return deref({ ...(target || {}), ...rest }, root, depth + 1);
  }
  if (Array.isArray(schema.allOf) && schema.allOf.length === 1) {
    const { allOf, ...rest } = schema;
    return deref({ ...deref(allOf[0], root, depth + 1), ...rest }, root, depth + 1);
  }
  return schema;
}

/** Describe one property as a field: kind, options, nullable, bounds. */
export function describeField(name, rawSchema, root, required) {
  let schema = deref(rawSchema, root);
  let nullable = false;
  const variants = schema.anyOf || schema.oneOf;
  if (Array.isArray(variants)) {
    const options = variants.map((v) => deref(v, root));
    const nonNull = options.filter((v) => v.type !== "null");
    nullable = nonNull.length < options.length;
    const { anyOf, oneOf, ...outer } = schema;
    if (nonNull.length === 1) schema = { ...nonNull[0], ...outer };
    else if (nonNull.every((v) => "const" in v || Array.isArray(v.enum))) {
      schema = { ...outer, enum: nonNull.flatMap((v) => ("const" in v ? [v.const] : v.enum)) };
    } else schema = { ...outer, type: "json" };
  }
  let type = Array.isArray(schema.type) ? schema.type.find((t) => t !== "null") : schema.type;
  if (Array.isArray(schema.type) && schema.type.includes("null")) nullable = true;
  let kind = "json";
  let options = null;
  if ("const" in schema) {
    kind = "enum";
    options = [schema.const];
  } else if (Array.isArray(schema.enum)) {
    kind = "enum";
    options = schema.enum.filter((v) => v !== null);
  } else if (type === "boolean") kind = "boolean";
  else if (type === "integer" || type === "number") kind = type;
  else if (type === "string") kind = "string";
  else if (type === "array") {
    const items = deref(schema.items || {}, root);
    if (Array.isArray(items.enum)) {
      kind = "multi";
      options = items.enum;
    } else kind = "json";
  }
  return {
    name,
    kind,
    type,
    options,
    nullable,
    required,
    title: schema.title || name,
    description: schema.description || "",
    default: schema.default,
    minimum: schema.minimum ?? schema.exclusiveMinimum,
    maximum: schema.maximum ?? schema.exclusiveMaximum,
    maxLength: schema.maxLength,
    format: schema.format,
  };
}

function fieldId(name) {
  return `field-${name.replace(/[^A-Za-z0-9_-]/g, "_")}`;
}

function hintFor(field) {
  const parts = [];
  if (field.description) parts.push(field.description);
  if (field.kind === "integer" || field.kind === "number") {
    const kind = field.kind === "integer" ? "A whole number" : "A number";
    if (field.minimum !== undefined && field.maximum !== undefined) {
      parts.push(`${kind} from ${field.minimum} to ${field.maximum}.`);
    } else if (field.minimum !== undefined) parts.push(`${kind}, at least ${field.minimum}.`);
    else if (field.maximum !== undefined) parts.push(`${kind}, at most ${field.maximum}.`);
    else parts.push(`${kind}.`);
  }
  if (field.kind === "json") parts.push("JSON.");
  return parts.join(" ");
}

function control(field, example) {
  const id = fieldId(field.name);
  const common = { id, name: field.name, "aria-describedby": `${id}-hint ${id}-error` };
  if (field.required) common["aria-required"] = "true";
  if (field.kind === "boolean") {
    return h("input", { ...common, type: "checkbox", checked: field.default === true });
  }
  if (field.kind === "enum") {
    const select = h("select", common);
    if (!field.required || field.default === undefined) {
      select.append(h("option", { value: "" }, field.required ? "Choose…" : "(none)"));
    }
    field.options.forEach((value, i) => {
      select.append(h("option", { value: String(i), selected: value === field.default }, String(value)));
    });
    return select;
  }
  if (field.kind === "multi") {
    const group = h("div", { class: "choices", id, role: "group" });
    const defaults = Array.isArray(field.default) ? field.default : [];
    field.options.forEach((value, i) => {
      const boxId = `${id}-${i}`;
      group.append(
        h("label", { for: boxId, class: "choice" },
          h("input", { type: "checkbox", id: boxId, value: String(i), checked: defaults.includes(value) }),
          String(value)),
      );
    });
    return group;
  }
  if (field.kind === "json") {
    const value = field.default === undefined || field.default === null ? "" : JSON.stringify(field.default, null, 2);
    const area = h("textarea", { ...common, rows: 3, spellcheck: "false" });
    area.value = value;
    return area;
  }
  const attrs = { ...common, type: "text" };
  if (field.kind === "integer") attrs.inputmode = "numeric";
  if (field.kind === "number") attrs.inputmode = "decimal";
  if (field.kind === "string") {
    if (/url|uri/i.test(field.name) || field.format === "uri") attrs.inputmode = "url";
    if (field.maxLength) attrs.maxlength = field.maxLength;
  }
  if (example !== undefined && example !== null && typeof example !== "object") {
    attrs.placeholder = `e.g. ${example}`;
  }
  const input = h("input", attrs);
  if (field.default !== undefined && field.default !== null) input.value = String(field.default);
  return input;
}

/** A generated form: fields for every property, `values()` and `showErrors(detail)`. */
export class SchemaForm {
  constructor(container, schema) {
    this.container = container;
    this.schema = schema || {};
    this.fields = [];
    this.raw = false;
    this.render();
  }

  render() {
    const root = this.schema;
    const props = (deref(root, root).properties) || {};
    const required = new Set(root.required || []);
    const example = Array.isArray(root.examples) && root.examples[0] ? root.examples[0] : {};
    this.container.replaceChildren();
    const names = Object.keys(props);
    if (names.length === 0) {
      this.raw = true;
      const field = { name: "__input__", kind: "json", title: "Input (JSON)", description: "", required: false, default: {} };
      this.fields = [field];
    } else {
      this.fields = names.map((name) => describeField(name, props[name], root, required.has(name)));
      this.fields.sort((a, b) => Number(b.required) - Number(a.required));
    }
    for (const field of this.fields) {
      const id = fieldId(field.name);
      const input = control(field, example[field.name]);
      const label = h("label", { for: id, class: "label" },
        field.title, field.required ? h("span", { class: "req", "aria-hidden": "true" }, " *") : null);
      const wrap = h("div", { class: `field field-${field.kind}`, dataset: { field: field.name } });
      if (field.kind === "boolean") wrap.append(h("div", { class: "check" }, input, label));
      else if (field.kind === "multi") wrap.append(h("span", { class: "label", id: `${id}-label` }, field.title), input);
      else wrap.append(label, input);
      wrap.append(h("p", { class: "hint", id: `${id}-hint` }, hintFor(field)));
      wrap.append(h("p", { class: "field-error", id: `${id}-error`, hidden: true }));
      this.container.append(wrap);
    }
  }

  element(name) {
    return this.container.querySelector(`#${fieldId(name)}`);
  }

  /** Fill one field from outside (the chat box). */
  set(name, value) {
    const el = this.element(name);
    if (!el) return false;
    if (el.type === "checkbox") el.checked = Boolean(value);
    else el.value = String(value);
    return true;
  }

  has(name) {
    return this.fields.some((f) => f.name === name);
  }

  /** The input object. Numbers that do not parse are sent as typed: the server says why. */
  values() {
    const out = {};
    for (const field of this.fields) {
      const el = this.element(field.name);
      if (!el) continue;
      if (field.kind === "boolean") {
        out[field.name] = el.checked;
        continue;
      }
      if (field.kind === "multi") {
        out[field.name] = [...el.querySelectorAll("input:checked")].map((box) => field.options[Number(box.value)]);
        continue;
      }
      const text = el.value;
      if (text.trim() === "") {
        if (field.kind === "string" && field.required) out[field.name] = "";
        continue;
      }
      if (field.kind === "enum") out[field.name] = field.options[Number(text)];
      else if (field.kind === "integer" || field.kind === "number") {
        out[field.name] = NUMBER.test(text.trim()) ? Number(text.trim()) : text;
      } else if (field.kind === "json") {
        let value;
        try {
          value = JSON.parse(text);
        } catch {
          value = text;
        }
        if (this.raw) return value;
        out[field.name] = value;
      } else out[field.name] = text;
    }
    return out;
  }

  clearErrors() {
    for (const el of this.container.querySelectorAll(".field-error")) {
      el.textContent = "";
      el.hidden = true;
    }
    for (const el of this.container.querySelectorAll("[aria-invalid]")) el.removeAttribute("aria-invalid");
  }

  /**
   * Show pydantic-style errors ([{loc, msg}]) next to their fields.
   * Returns the messages that belong to no field.
   */
  showErrors(detail) {
    this.clearErrors();
    const rest = [];
    let first = null;
    for (const error of Array.isArray(detail) ? detail : []) {
      const loc = Array.isArray(error.loc) ? error.loc.map(String) : [];
      const name = loc.find((part) => this.has(part));
      const message = String(error.msg || "invalid value");
      if (!name) {
        rest.push(loc.length ? `${loc.join(".")}: ${message}` : message);
        continue;
      }
      const id = fieldId(name);
      const box = this.container.querySelector(`#${id}-error`);
      box.textContent = box.textContent ? `${box.textContent} ${message}` : message;
      box.hidden = false;
      const input = this.element(name);
      input.setAttribute("aria-invalid", "true");
      first = first || input;
    }
    if (first) first.focus();
    return rest;
  }
}
